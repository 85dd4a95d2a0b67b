/**
 * What the device can do: the WebGPU adapter (if any), its identity, key limits and features, and
 * whether it is a software emulation. Capabilities are facts about the machine, kept apart from the
 * user's settings (flags.ts) and from the decision made from both (backend.ts).
 */

/** The subset of `navigator.gpu` this module uses; Dawn's Node binding (`webgpu` npm) provides it too. */
export type GpuLike = Pick<GPU, 'requestAdapter'>;

export interface AdapterReport {
  /** `navigator.gpu` (or the Node binding) exists. */
  api: boolean;
  /** `requestAdapter()` returned an adapter. */
  adapter: boolean;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  /** A CPU emulation (SwiftShader, llvmpipe/lavapipe, a fallback adapter): usable, but slower than wasm. */
  software: boolean;
  /** Why `software` is true, for the capability report. */
  softwareReason: string;
  features: string[];
  limits: Record<string, number>;
  /** Set when probing failed (an exception, or no adapter). */
  error: string;
}

/** The limits worth reporting: the ones the kernels size their work by. */
export const KEY_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;

export function emptyAdapterReport(api: boolean, error: string): AdapterReport {
  return {
    api,
    adapter: false,
    vendor: '',
    architecture: '',
    device: '',
    description: '',
    isFallbackAdapter: false,
    software: false,
    softwareReason: '',
    features: [],
    limits: {},
    error,
  };
}

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|warp/i;

/** Classifies an adapter as software from the fields browsers and Dawn expose. */
export function classifyAdapter(info: {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}): { software: boolean; reason: string } {
  const reasons: string[] = [];
  if (info.architecture.toLowerCase() === 'swiftshader') reasons.push("architecture 'swiftshader' (a CPU emulator)");
  if (info.isFallbackAdapter) reasons.push('a fallback adapter');
  const named = [info.description, info.device].find((s) => SOFTWARE_NAMES.test(s));
  if (named !== undefined && reasons.length === 0) reasons.push(`'${named}' is a software rasteriser`);
  return { software: reasons.length > 0, reason: reasons.join(', ') };
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

export async function probeWebGPU(gpu: GpuLike | undefined): Promise<AdapterReport> {
  if (gpu === undefined) return emptyAdapterReport(false, 'WebGPU API not present (navigator.gpu is undefined)');
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return emptyAdapterReport(true, `requestAdapter() threw: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (adapter === null) return emptyAdapterReport(true, 'requestAdapter() returned no adapter');
  // `info` is the current API; `isFallbackAdapter` moved from the adapter into `info` (Chrome 13x).
  const raw = (adapter as GPUAdapter & { info?: AdapterInfoLike; isFallbackAdapter?: boolean }).info ?? {};
  const fields = {
    vendor: raw.vendor ?? '',
    architecture: raw.architecture ?? '',
    device: raw.device ?? '',
    description: raw.description ?? '',
    isFallbackAdapter:
      raw.isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
  };
  const { software, reason } = classifyAdapter(fields);
  const limits: Record<string, number> = {};
  for (const k of KEY_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, unknown>)[k];
    if (typeof v === 'number') limits[k] = v;
  }
  return {
    api: true,
    adapter: true,
    ...fields,
    software,
    softwareReason: reason,
    features: [...adapter.features].map(String).sort(),
    limits,
    error: '',
  };
}
