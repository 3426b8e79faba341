/**
 * The device solve (lib/ode/device_solve.ts: tfjs ops, for GPU backends) against the host solver
 * (tensor_op.ts: float64 TypeScript, checked against closed forms and torch in the other ode tests): the
 * same MLP field, per-row time grids with padding, values and gradients of z0 and every parameter, for
 * rk4, euler and dopri5, backprop and adjoint. The ops are backend-independent, so this runs on cpu (wasm lacks
 * the gather gradient's UnsortedSegmentSum, and never runs this path), and
 * on WebGPU too where an adapter exists (always in CI).
 *
 * Tolerances: fixed-step solves are the same arithmetic in float32 instead of float64 (1e-5 relative to
 * the largest value). dopri5 runs at rtol 1e-7 / atol 1e-8 so that both solutions are within ~1e-6 of the
 * exact one whatever steps each took; the adjoint gradients approximate the exact gradient to the same
 * order (host: adaptive backwards; device: the forward's step boundaries), so 1e-4 bounds both errors.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { probeWebGpu, selectBackend } from "../../../lib/train/mod.ts";
import {
  deviceOdeint,
  mlpDynamics,
  MlpField,
  mlpFieldParamCount,
  type MlpFieldShape,
  odeint,
  type OdeOpOptions,
  planSolve,
  unionTimeGrid,
} from "../../../lib/ode/mod.ts";
import { SeededRandom } from "../../../lib/random/mod.ts";

const IN_CI = Deno.env.get("CI") === "true";
const adapter = await probeWebGpu();

const SHAPE: MlpFieldShape = { stateWidth: 2, hidden: [5], timeInput: true };
const ROWS = 3, STEPS = 4;
const T = [0, 0.3, 0.7, 1.0, 0, 0.5, 1.0, 0, 0, 0.2, 0.9, 0];
const LENGTHS = [4, 3, 3];

function values(n: number, seed: number, scale: number): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length: n }, () => (2 * rng.uniform() - 1) * scale);
}

/** Loss Σ y·w over the gathered solution and its gradients, on the host or the device path. */
async function solveAndGrad(path: "host" | "device", opts: OdeOpOptions) {
  const widths = [3, 5, 2];
  const params: tf.Tensor[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    params.push(tf.tensor2d(values(widths[l] * widths[l + 1], 10 + l, 1.2), [widths[l], widths[l + 1]]));
    params.push(tf.tensor1d(values(widths[l + 1], 20 + l, 0.3)));
  }
  assert.equal(params.reduce((n, p) => n + p.size, 0), mlpFieldParamCount(SHAPE));
  const z0 = tf.tensor2d(values(ROWS * 2, 3, 1), [ROWS, 2]);
  const grid = unionTimeGrid(T, LENGTHS, STEPS);
  const w = tf.tensor3d(values(ROWS * STEPS * 2, 4, 1), [ROWS, STEPS, 2]);
  const plan = path === "device"
    ? await planSolve((t, z) => mlpDynamics(SHAPE, params, t, z), z0, grid, opts)
    : null;
  const solve = (z: tf.Tensor2D, ...ps: tf.Tensor[]) =>
    plan
      ? deviceOdeint(SHAPE, z, ps, grid, plan, opts)
      : odeint((rows, theta) => new MlpField(SHAPE, rows, theta), z, ps, grid, opts).y;
  const f = (z: tf.Tensor, ...ps: tf.Tensor[]) => tf.sum(tf.mul(solve(z as tf.Tensor2D, ...ps), w));
  const { value, grads } = tf.valueAndGrads(f)([z0, ...params]);
  const y = solve(z0, ...params);
  const out = {
    y: Array.from(await y.data()),
    loss: (await value.data())[0],
    grads: await Promise.all(grads.map(async (g) => Array.from(await g.data()))),
  };
  tf.dispose([z0, w, y, value, ...grads, ...params]);
  return out;
}

function assertClose(got: number[], want: number[], tol: number, what: string) {
  const scale = Math.max(1e-3, ...want.map(Math.abs));
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= tol * scale, `${what}[${i}]: ${v} vs ${want[i]}`));
}

const CASES: [string, OdeOpOptions, number][] = [
  ["rk4, backprop", { method: "rk4", stepsPerInterval: 2 }, 1e-5],
  ["euler, backprop", { method: "euler", stepsPerInterval: 3 }, 1e-5],
  ["rk4, adjoint", { method: "rk4", stepsPerInterval: 2, adjoint: true }, 1e-4],
  ["dopri5, backprop", { method: "dopri5", rtol: 1e-7, atol: 1e-8 }, 1e-4],
  ["dopri5, adjoint", { method: "dopri5", rtol: 1e-7, atol: 1e-8, adjoint: true }, 1e-4],
];

for (const backend of ["cpu", "webgpu"] as const) {
  for (const [name, opts, tol] of CASES) {
    Deno.test({
      name: `device solve on ${backend} equals the host solver (${name}): outputs and gradients`,
      ignore: backend === "webgpu" && adapter === null && !IN_CI,
      sanitizeOps: false,
      sanitizeResources: false,
      async fn() {
        await selectBackend("wasm");
        const host = await solveAndGrad("host", opts);
        await selectBackend(backend);
        const device = await solveAndGrad("device", opts);
        await selectBackend("wasm");
        assertClose(device.y, host.y, tol, "y");
        // Padding steps read zero on both paths.
        LENGTHS.forEach((len, r) => {
          for (let s = len; s < STEPS; s++) {
            assert.deepEqual(device.y.slice((r * STEPS + s) * 2, (r * STEPS + s + 1) * 2), [0, 0]);
          }
        });
        device.grads.forEach((g, i) => assertClose(g, host.grads[i], tol, `grad ${i}`));
      },
    });
  }
}
