/** ODE solvers (dopri5, rk4, euler), their gradients (backprop and adjoint) and the tfjs bridge. */
export * from "./field.ts";
export * from "./tableau.ts";
export * from "./step_control.ts";
export * from "./solve.ts";
export * from "./backprop.ts";
export * from "./adjoint.ts";
export * from "./time_grid.ts";
export * from "./mlp_field.ts";
export * from "./tensor_op.ts";
export * from "./tensor_field.ts";
export * from "./device_solve.ts";
export * from "./latent_ode_net.ts";
