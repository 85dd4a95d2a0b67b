/**
 * Dawn (the `webgpu` package) finds Vulkan through the dynamic loader, which reads LD_LIBRARY_PATH at
 * process start. On machines without a GPU, Chromium's SwiftShader ICD gives Dawn a (software) adapter.
 * `rerunWithSwiftShader()`: when the system has no Vulkan loader (so no GPU driver Dawn could use), no
 * ICD is configured, and Chromium's SwiftShader is present, run this script again in a child with both
 * variables set, and return the child's exit code; otherwise return null and let the caller carry on (a
 * system Vulkan, e.g. a real GPU, is used as it is). WEBSTR_NO_SWIFTSHADER=1 turns this off.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { vulkanLoaderPresent } from '../src/runtime/node_gpu.ts';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export function rerunWithSwiftShader(): number | null {
  if (process.env['VK_ICD_FILENAMES'] !== undefined || process.env['WEBSTR_NO_SWIFTSHADER'] !== undefined) return null;
  if (!existsSync(SWIFTSHADER_ICD)) return null;
  if (vulkanLoaderPresent()) return null;
  const ld = process.env['LD_LIBRARY_PATH'];
  const env = {
    ...process.env,
    VK_ICD_FILENAMES: SWIFTSHADER_ICD,
    LD_LIBRARY_PATH: ld === undefined || ld === '' ? '/usr/lib/chromium' : `${ld}:/usr/lib/chromium`,
  };
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env, stdio: 'inherit' });
  return r.status ?? 1;
}
