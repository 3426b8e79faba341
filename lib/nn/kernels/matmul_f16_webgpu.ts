/**
 * Mixed-precision matrix products on the webgpu backend: float16 storage, float32 accumulation, written in
 * WGSL by us. tfjs 4.22 has no float16 dtype, and its shader preamble comes before any user code, where
 * `enable f16;` cannot go; so these kernels are our own compute pipelines on the backend's GPUDevice (which
 * has `shader-f16` when the adapter offers it: lib/train/_webgpu_device.ts), reading and writing the
 * tensors' GPU buffers, recorded into tfjs's own command encoder so they run in order with its kernels and
 * nothing is read back.
 *
 * - `toHalf(x)`: float32 → float16, two values per 32-bit word (the words live in an int32 tensor of
 *   ⌈n/2⌉ elements that only these kernels read). Out-of-range values become ±Inf explicitly (WGSL leaves
 *   an out-of-range conversion's result to the implementation; loss scaling relies on overflow showing).
 * - `matMulHalf(a, b, transposeA, transposeB)`: op(A)·op(B) from float16 operands, each product exact in
 *   float32 and summed in float32 over 16×16 tiles in workgroup memory; the result is a float32 tensor.
 * - `matMulMixed(a, b)`: the float32-in, float32-out product whose operands are rounded to float16, with
 *   its gradient as a custom gradient through the same kernel: dA = dY·Bᵀ, dB = Aᵀ·dY, dY rounded to float16
 *   too (loss scaling keeps small gradients above float16's underflow). The float16 copies of A and B are
 *   what the tape keeps for the backward pass.
 */
import * as tf from "@tensorflow/tfjs";

/** A float16 matrix: its packed words (an int32 tensor of ⌈rows·cols/2⌉ elements) and its logical shape. */
export interface HalfMatrix {
  packed: tf.Tensor1D;
  shape: [number, number];
}

/** Whether the active backend can run these kernels (webgpu on a device with `shader-f16`). */
export function halfKernelsAvailable(): boolean {
  if (tf.getBackend() !== "webgpu") return false;
  return backendInternals().device.features.has("shader-f16");
}

/** x (float32, any shape with `rows·cols` elements) rounded to float16, as a rows × cols matrix. */
export function toHalf(x: tf.Tensor, shape: [number, number] = x.shape as [number, number]): HalfMatrix {
  const n = x.size;
  if (shape[0] * shape[1] !== n) throw new RangeError(`toHalf: shape ${shape} does not hold ${n} values`);
  if (x.dtype !== "float32") throw new TypeError(`toHalf: expected a float32 tensor, found ${x.dtype}`);
  const backend = backendInternals();
  const words = Math.max(1, Math.ceil(n / 2));
  const out = backend.makeTensorInfo([words], "int32");
  const groups = Math.ceil(words / CAST_WORKGROUP);
  const [gx, gy] = grid(groups, backend.device.limits.maxComputeWorkgroupsPerDimension);
  record(backend, pipelines(backend.device).cast, out, [x], [n, gx * CAST_WORKGROUP], [
    gx,
    gy,
  ]);
  return { packed: tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor1D, shape };
}

/**
 * op(A)·op(B) for float16 A and B, accumulated in float32: op(A) is M×K (A stored K×M when `transposeA`),
 * op(B) is K×N (B stored N×K when `transposeB`). Returns a float32 M×N tensor.
 */
export function matMulHalf(
  a: HalfMatrix,
  b: HalfMatrix,
  transposeA = false,
  transposeB = false,
): tf.Tensor2D {
  const [m, ka] = transposeA ? [a.shape[1], a.shape[0]] : a.shape;
  const [kb, n] = transposeB ? [b.shape[1], b.shape[0]] : b.shape;
  if (ka !== kb) {
    throw new RangeError(
      `matMulHalf: inner dimensions differ (${ka} vs ${kb}) for shapes ${a.shape}${
        transposeA ? "ᵀ" : ""
      } · ` +
        `${b.shape}${transposeB ? "ᵀ" : ""}`,
    );
  }
  const backend = backendInternals();
  const out = backend.makeTensorInfo([m, n], "float32");
  if (m * n === 0) return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D;
  const dims = [m, ka, n, transposeA ? 1 : 0, transposeB ? 1 : 0, 0, 0, 0];
  record(backend, pipelines(backend.device).matmul, out, [a.packed, b.packed], dims, [
    Math.ceil(n / TILE),
    Math.ceil(m / TILE),
  ]);
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor2D;
}

/**
 * a·b (float32 2-D tensors) with both operands rounded to float16 and the products summed in float32; the
 * gradient goes through the same kernel (see the module comment). Needs `halfKernelsAvailable()`.
 */
export function matMulMixed(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const op = tf.customGrad((...args: unknown[]) => {
    const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const xh = toHalf(x), wh = toHalf(w);
    save([xh.packed, wh.packed]);
    return {
      value: matMulHalf(xh, wh),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const xs = { packed: saved[0] as tf.Tensor1D, shape: xh.shape };
        const ws = { packed: saved[1] as tf.Tensor1D, shape: wh.shape };
        const dyh = toHalf(dy);
        const grads = [matMulHalf(dyh, ws, false, true), matMulHalf(xs, dyh, true, false)];
        dyh.packed.dispose();
        return grads;
      },
    };
  });
  return op(a, b) as tf.Tensor2D;
}

const TILE = 16;
const CAST_WORKGROUP = 64;

/**
 * float32 → packed float16 pairs; invocation i writes word i (values 2i and 2i + 1, the first in the low
 * half, as an array<f16> reads them). The bits are assembled as integers: Inf, NaN and values past float16's
 * range get their float16 bit patterns explicitly; the rest go through pack2x16float (round to nearest).
 */
const CAST_WGSL = /* wgsl */ `
struct Params { n: u32, rowStride: u32, pad0: u32, pad1: u32, pad2: vec4<u32> }
@group(0) @binding(0) var<storage, read_write> words: array<u32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

fn halfBits(i: u32) -> u32 {
  if (i >= params.n) { return 0u; }
  let v = x[i];
  let bits = bitcast<u32>(v);
  let sign = (bits >> 16u) & 0x8000u;
  if ((bits & 0x7f800000u) == 0x7f800000u) {
    return sign | select(0x7c00u, 0x7e00u, (bits & 0x007fffffu) != 0u);
  }
  // 65520 and above round to infinity in float16 (round to nearest even past 65504).
  if (abs(v) >= 65520.0) { return sign | 0x7c00u; }
  return pack2x16float(vec2<f32>(v, 0.0)) & 0xffffu;
}

@compute @workgroup_size(${CAST_WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let word = id.y * params.rowStride + id.x;
  if (2u * word >= params.n) { return; }
  words[word] = halfBits(2u * word) | (halfBits(2u * word + 1u) << 16u);
}
`;

/** C = op(A)·op(B), float16 operands in 16×16 workgroup tiles, float32 sums; one invocation per C entry. */
const MATMUL_WGSL = /* wgsl */ `enable f16;
struct Dims { m: u32, k: u32, n: u32, transposeA: u32, transposeB: u32, pad0: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<storage, read_write> c: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f16>;
@group(0) @binding(2) var<storage, read> b: array<f16>;
@group(0) @binding(3) var<uniform> dims: Dims;
var<workgroup> tileA: array<array<f16, ${TILE}>, ${TILE}>;
var<workgroup> tileB: array<array<f16, ${TILE}>, ${TILE}>;

fn opA(row: u32, col: u32) -> f16 {
  if (row >= dims.m || col >= dims.k) { return 0.0h; }
  if (dims.transposeA == 1u) { return a[col * dims.m + row]; }
  return a[row * dims.k + col];
}

fn opB(row: u32, col: u32) -> f16 {
  if (row >= dims.k || col >= dims.n) { return 0.0h; }
  if (dims.transposeB == 1u) { return b[col * dims.k + row]; }
  return b[row * dims.n + col];
}

@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(local_invocation_id) local: vec3<u32>, @builtin(workgroup_id) group: vec3<u32>) {
  let row = group.y * ${TILE}u + local.y;
  let col = group.x * ${TILE}u + local.x;
  var sum: f32 = 0.0;
  for (var t = 0u; t < dims.k; t += ${TILE}u) {
    tileA[local.y][local.x] = opA(row, t + local.x);
    tileB[local.y][local.x] = opB(t + local.y, col);
    workgroupBarrier();
    for (var i = 0u; i < ${TILE}u; i++) {
      sum = fma(f32(tileA[local.y][i]), f32(tileB[i][local.x]), sum);
    }
    workgroupBarrier();
  }
  if (row < dims.m && col < dims.n) { c[row * dims.n + col] = sum; }
}
`;

/** The parts of tfjs-webgpu 4.22's WebGPUBackend these kernels use (not in its public typings). */
interface WebGpuBackendInternals {
  device: GPUDevice;
  tensorMap: { get(dataId: object): { resource: GPUBuffer | null } };
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  commandQueueOwnedIds: WeakSet<object>;
  dispatchCountInPass: number;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  uploadToGPU(dataId: object): void;
  makeUniforms(uniforms: { type: "uint32"; data: number[] }[]): GPUBufferBinding;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

function backendInternals(): WebGpuBackendInternals {
  if (tf.getBackend() !== "webgpu") {
    throw new Error(`float16 kernels run on the webgpu backend; tfjs is on '${tf.getBackend()}'`);
  }
  return tf.backend() as unknown as WebGpuBackendInternals;
}

const compiled = new WeakMap<GPUDevice, { cast: GPUComputePipeline; matmul: GPUComputePipeline }>();

function pipelines(device: GPUDevice): { cast: GPUComputePipeline; matmul: GPUComputePipeline } {
  let p = compiled.get(device);
  if (!p) {
    if (!device.features.has("shader-f16")) {
      throw new Error("float16 kernels need a WebGPU device with the shader-f16 feature");
    }
    const make = (code: string, label: string) =>
      device.createComputePipeline({
        label,
        layout: "auto",
        compute: { module: device.createShaderModule({ code, label }), entryPoint: "main" },
      });
    p = { cast: make(CAST_WGSL, "batteryml_to_half"), matmul: make(MATMUL_WGSL, "batteryml_matmul_half") };
    compiled.set(device, p);
  }
  return p;
}

/**
 * Records one dispatch into tfjs's command encoder, as the backend records its own programs: buffers of the
 * output and inputs (uploaded if still on the host), a uniform buffer released after submission, the
 * tensors marked as owned by the pending queue (so a disposal waits for it), and a submit once tfjs's
 * batch size of dispatches is reached.
 */
function record(
  backend: WebGpuBackendInternals,
  pipeline: GPUComputePipeline,
  output: tf.TensorInfo,
  inputs: tf.TensorInfo[],
  /** Up to 8 words of the kernel's uniform struct. */
  uniforms: number[],
  workgroups: [number, number],
): void {
  for (const t of [output, ...inputs]) backend.uploadToGPU(t.dataId);
  const buffers = [output, ...inputs].map((t) => {
    const buffer = backend.tensorMap.get(t.dataId).resource;
    if (!(buffer instanceof GPUBuffer)) throw new Error("float16 kernels need tensors held in GPU buffers");
    return { buffer };
  });
  // Two vec4<u32> (tfjs lays each 4-vector out at a 16-byte boundary): the kernels' 8-word uniform struct.
  const words = [...uniforms, 0, 0, 0, 0, 0, 0, 0, 0].slice(0, 8);
  const uniform = backend.makeUniforms([
    { type: "uint32", data: words.slice(0, 4) },
    { type: "uint32", data: words.slice(4) },
  ]);
  for (const t of [output, ...inputs]) backend.commandQueueOwnedIds.add(t.dataId);
  const bindGroup = backend.device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [...buffers, uniform].map((resource, binding) => ({ binding, resource })),
  });
  backend.ensureCommandEncoderReady();
  if (!backend.computePassEncoder) backend.computePassEncoder = backend.commandEncoder!.beginComputePass();
  backend.computePassEncoder.setPipeline(pipeline);
  backend.computePassEncoder.setBindGroup(0, bindGroup);
  backend.computePassEncoder.dispatchWorkgroups(workgroups[0], workgroups[1]);
  backend.dispatchCountInPass++;
  if (backend.dispatchCountInPass >= (tf.env().get("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE") as number)) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
}

/** Splits `groups` workgroups into a 2-D grid whose x side fits the per-dimension limit. */
function grid(groups: number, maxPerDimension: number): [number, number] {
  if (groups <= maxPerDimension) return [groups, 1];
  const y = Math.ceil(groups / maxPerDimension);
  return [Math.ceil(groups / y), y];
}
