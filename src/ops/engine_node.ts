/** The engine in Node: WebGPU through Dawn (runtime/node_gpu.ts) unless wasm or cpu is asked for. */
import { loadNodeGpu } from '../runtime/node_gpu.ts';
import { startEngineWith, type Engine } from './engine.ts';

export type { Engine } from './engine.ts';

/** `probeGpu: true` loads Dawn even for wasm/cpu (`webstr doctor` reports the adapter either way). */
export async function startEngine(backend: string, options: { probeGpu?: boolean } = {}): Promise<Engine> {
  const softwareOnly = backend === 'wasm' || backend === 'cpu';
  const { gpu, note } = softwareOnly && options.probeGpu !== true ? { gpu: undefined, note: '' } : await loadNodeGpu();
  return startEngineWith(backend, { gpu, gpuUnavailableReason: note });
}
