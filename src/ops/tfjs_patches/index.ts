/**
 * Our replacements for tfjs's own kernels (tfjs 4.22), kept apart from the project's custom ops; all are
 * registered by ../registry.ts, and each keeps tfjs's results up to float summation order. Why each:
 * - grad_kernels/ Conv2DBackpropFilter, Conv2DBackpropInput (cpu, wasm): wasm has no filter gradient, and
 *   both backends' versions are naive loops; ours are im2col + the backend's own matmul.
 * - grad_kernels/ DepthwiseConv2dNativeBackpropInput/Filter: wasm has none; cpu's index through
 *   TensorBuffers (~30× slower than plain loops).
 * - grad_kernels/ MaxPoolGrad (wasm): tfjs-wasm drops the gradient of windows whose maximum is negative.
 * - wasm_matmul.ts BatchMatMul (wasm): tfjs-wasm takes a naive loop for a transposed operand (10–30× slower).
 * - wasm_reduce.ts Sum, Mean (wasm): tfjs-wasm transposes the whole input to reduce any axis but the last.
 * - wasm_alias.ts Identity, Cast to the same dtype (wasm): tfjs-wasm copies the tensor; ours share its data.
 */
export { convGradKernels, gradKernelOverrides } from './grad_kernels/kernels.ts';
export { wasmBatchMatMulWrapper } from './wasm_matmul.ts';
export { wasmMeanWrapper, wasmSumWrapper } from './wasm_reduce.ts';
export { wasmCastWrapper, wasmIdentityWrapper } from './wasm_alias.ts';
