/**
 * WebGPU in Node (the CLI and the library's Node entry) through Dawn (the `webgpu` npm package, optional).
 * Dawn finds a GPU through the system's Vulkan loader and drivers; with none, `requestAdapter()`
 * returns null and `auto` picks wasm. `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`
 * points it at SwiftShader for testing (then `auto` still prefers wasm: it is a software adapter).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { GpuLike } from './capabilities.ts';

const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/usr/local/lib'];

/** Whether the Vulkan loader Dawn needs is installed (checked first, so Dawn prints no load warning). */
export function vulkanLoaderPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== ''), ...LIB_DIRS];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

export interface NodeGpu {
  gpu: GpuLike | undefined;
  /** Why there is no GPU entry point, when there is none. */
  note: string;
}

export async function loadNodeGpu(): Promise<NodeGpu> {
  if (process.platform === 'linux' && !vulkanLoaderPresent()) {
    return { gpu: undefined, note: 'no Vulkan loader (libvulkan.so.1) on this machine, so Dawn has no GPU to offer' };
  }
  try {
    const mod = (await import('webgpu')) as {
      create: (flags: string[]) => GPU;
      globals: Record<string, unknown>;
    };
    // tfjs-backend-webgpu reads GPUBufferUsage, GPUMapMode, … as globals, as in a browser.
    Object.assign(globalThis, mod.globals);
    const gpu = mod.create([]);
    // …and its WebGPUBackend refuses to start unless `navigator.gpu` exists.
    const nav = (globalThis as { navigator?: object }).navigator ?? {};
    Object.defineProperty(globalThis, 'navigator', { value: { ...nav, gpu }, configurable: true, writable: true });
    return { gpu, note: '' };
  } catch (err) {
    return { gpu: undefined, note: `the 'webgpu' package (Dawn) could not load: ${err instanceof Error ? err.message : String(err)}` };
  }
}
