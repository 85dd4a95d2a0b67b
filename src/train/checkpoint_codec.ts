/**
 * A checkpoint as one self-checking binary record (the Node directory store's file format):
 *   "WSTRCKPT" | u32 version | u32 header length | header JSON (UTF-8) | float32 blob | u32 CRC-32
 * The header is the Checkpoint with every tensor (parameters and optimizer slots) replaced by
 * {shape, offset, length} into the blob (offsets in floats), so a 100 MB model is not a 300 MB JSON.
 * Decoding distrusts every byte: lengths, offsets, shapes and the CRC are checked before use.
 */
import { crc32 } from '../data/shard.ts';
import type { OptimizerState } from './optim/index.ts';
import { TrainCheckpointError } from './errors.ts';
import type { Checkpoint, HostTensors } from './types.ts';

const MAGIC = 'WSTRCKPT';
const VERSION = 1;
/** Header JSON above this is refused (a checkpoint header is names and small numbers). */
const MAX_HEADER = 64 * 1024 * 1024;

interface Ref {
  shape: number[];
  offset: number;
  length: number;
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const chunks: Float32Array[] = [];
  let total = 0;
  const put = (shape: number[], data: ArrayLike<number>): Ref => {
    const f = data instanceof Float32Array ? data : Float32Array.from(data);
    const ref = { shape: [...shape], offset: total, length: f.length };
    chunks.push(f);
    total += f.length;
    return ref;
  };
  const params: Record<string, Ref> = {};
  for (const [name, t] of Object.entries(c.params)) params[name] = put(t.shape, t.data);
  const optParams: Record<string, { step: number; slots: Record<string, Ref> }> = {};
  for (const [name, p] of Object.entries(c.optimizer.params)) {
    const slots: Record<string, Ref> = {};
    for (const [s, v] of Object.entries(p.slots)) slots[s] = put(v.shape, v.data);
    optParams[name] = { step: p.step, slots };
  }
  const header = new TextEncoder().encode(JSON.stringify({ ...c, params, optimizer: { ...c.optimizer, params: optParams } }));
  const headPad = (4 - ((16 + header.length) % 4)) % 4; // floats start 4-aligned
  const bytes = new Uint8Array(16 + header.length + headPad + total * 4 + 4);
  const dv = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  dv.setUint32(8, VERSION, true);
  dv.setUint32(12, header.length + headPad, true);
  bytes.set(header, 16);
  bytes.fill(0x20, 16 + header.length, 16 + header.length + headPad); // JSON whitespace
  const blob = new Float32Array(bytes.buffer, 16 + header.length + headPad, total);
  let o = 0;
  for (const ch of chunks) {
    blob.set(ch, o);
    o += ch.length;
  }
  dv.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

function fail(m: string): never {
  throw new TrainCheckpointError(`checkpoint file: ${m}`);
}

function isRef(v: unknown): v is Ref {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    Array.isArray(r.shape) &&
    r.shape.every((d) => Number.isInteger(d) && (d as number) >= 0) &&
    Number.isInteger(r.offset) &&
    Number.isInteger(r.length) &&
    (r.offset as number) >= 0 &&
    (r.length as number) >= 0
  );
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (bytes.length < 20) fail(`${bytes.length} bytes is too short`);
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) fail('not a webstr checkpoint (bad magic)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== VERSION) fail(`version ${version} is not supported (expected ${VERSION})`);
  const stored = dv.getUint32(bytes.length - 4, true);
  if (crc32(bytes.subarray(0, bytes.length - 4)) !== stored) fail('CRC mismatch (the file is damaged or truncated)');
  const headLen = dv.getUint32(12, true);
  if (headLen > MAX_HEADER || 16 + headLen > bytes.length - 4 || (16 + headLen) % 4 !== 0) fail(`header length ${headLen} does not fit the file`);
  const blobBytes = bytes.length - 4 - 16 - headLen;
  if (blobBytes % 4 !== 0) fail('tensor data is not a whole number of floats');
  // Copy the blob so the floats are aligned whatever the input's byteOffset.
  const blob = new Float32Array(bytes.slice(16 + headLen, 16 + headLen + blobBytes).buffer);
  let head: Record<string, unknown>;
  try {
    head = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + headLen))) as Record<string, unknown>;
  } catch (e) {
    fail(`header is not JSON (${(e as Error).message})`);
  }
  const take = (r: unknown, what: string): { shape: number[]; data: Float32Array } => {
    if (!isRef(r)) fail(`${what}: not a tensor reference`);
    if (sizeOf(r.shape) !== r.length || r.offset + r.length > blob.length) fail(`${what}: shape [${r.shape.join(',')}] / range does not fit the data`);
    return { shape: r.shape, data: blob.slice(r.offset, r.offset + r.length) };
  };
  if (typeof head.params !== 'object' || head.params === null) fail('no parameters');
  const params: HostTensors = {};
  for (const [name, r] of Object.entries(head.params as Record<string, unknown>)) params[name] = take(r, name);
  const opt = head.optimizer as { kind?: unknown; step?: unknown; params?: unknown } | null;
  if (typeof opt !== 'object' || opt === null || typeof opt.kind !== 'string' || !Number.isInteger(opt.step) || typeof opt.params !== 'object' || opt.params === null) {
    fail('optimizer state missing or malformed');
  }
  const optParams: OptimizerState['params'] = {};
  for (const [name, p] of Object.entries(opt.params as Record<string, { step?: unknown; slots?: unknown }>)) {
    if (typeof p !== 'object' || p === null || !Number.isInteger(p.step) || typeof p.slots !== 'object' || p.slots === null) fail(`optimizer state of ${name} malformed`);
    const slots: Record<string, { shape: number[]; data: number[] }> = {};
    for (const [s, r] of Object.entries(p.slots as Record<string, unknown>)) {
      const t = take(r, `${name}/${s}`);
      slots[s] = { shape: t.shape, data: Array.from(t.data) };
    }
    optParams[name] = { step: p.step as number, slots };
  }
  const c = head as unknown as Checkpoint;
  if (typeof c.runId !== 'string' || typeof c.recipe !== 'object' || c.recipe === null || !Number.isInteger(c.step) || !Array.isArray(c.history)) {
    fail('run id, recipe, step or history missing');
  }
  return { ...c, params, optimizer: { kind: opt.kind, step: opt.step as number, params: optParams } };
}
