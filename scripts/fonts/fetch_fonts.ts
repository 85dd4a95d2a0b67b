/**
 * Fetches the synthetic generator's extra fonts: a pinned list (`fonts.json`: @fontsource package,
 * version, tarball integrity, category, licence) is downloaded with `npm pack` (a few at a time) into
 * a cache outside git, each tarball checked against its pinned sha512, and only its Latin 400 and 700
 * normal woff2 files (the nearest weights where those are missing) plus LICENSE are kept. Each face is
 * then checked: its cmap must map every ASCII letter and digit (the punctuation it lacks is recorded),
 * and it is marked capitals-only when its lower-case letters draw as capitals (all-caps and small-caps
 * faces). `.cache/fonts/manifest.json` lists the faces; `createNodeSynth({ style: 'rich' })` reads it.
 *
 *   node --import ./cli/register.mjs scripts/fonts/fetch_fonts.ts [--out .cache/fonts] [--jobs 4] [--limit N]
 *   node --import ./cli/register.mjs scripts/fonts/fetch_fonts.ts --pin names.txt   # re-pin: newest versions → fonts.json + LICENSES.md
 *
 * Only `npm pack` talks to the registry (it downloads into a temporary folder); nothing is installed.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { GlobalFonts, createCanvas } from '@napi-rs/canvas';
import { fontCmap } from './woff2.ts';
import { exitOnHelp } from '../lib/help.ts';

exitOnHelp(import.meta.url);

const run = promisify(execFile);
const here = path.dirname(new URL(import.meta.url).pathname);
const PIN_FILE = path.join(here, 'fonts.json');
const LICENCE_FILE = path.join(here, 'LICENSES.md');

export type FontCategory = 'sans' | 'serif' | 'mono' | 'display' | 'handwriting';

export interface PinnedFont {
  /** Package name without the scope: `@fontsource/<name>`. */
  name: string;
  family: string;
  version: string;
  integrity: string;
  category: FontCategory;
  licence: string;
}

export interface CachedFace {
  /** Registered family name: `fs-<package>-<weight>`. */
  family: string;
  /** Path of the woff2 file relative to the cache folder. */
  file: string;
  package: string;
  version: string;
  style: FontCategory;
  weight: number;
  capsOnly: boolean;
  /** Printable ASCII (U+0021–U+007E) the face has no glyph for. */
  missing: string;
  licence: string;
}

export interface FontCacheManifest {
  format: 'webstr-font-cache';
  version: 1;
  faces: CachedFace[];
}

const CATEGORY: Record<string, FontCategory> = { 'sans-serif': 'sans', serif: 'serif', monospace: 'mono', display: 'display', handwriting: 'handwriting' };
/** Families whose lower case is small capitals without "SC" in the name (seen on contact sheets). */
const SMALL_CAPS = new Set(['cinzel-decorative']);
const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

interface Metadata {
  id: string;
  family: string;
  subsets: string[];
  weights: number[];
  styles: string[];
  category: string;
  license?: { type?: string; attribution?: string };
}

interface Packed {
  dir: string;
  version: string;
  integrity: string;
  meta: Metadata;
  faces: { weight: number; file: string }[];
}

/** `npm pack` one package into a temporary folder, check it, and unpack the files kept into `dir`. */
async function packOne(spec: string, dir: string, expect: string | null): Promise<Packed> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'webstr-fonts-'));
  try {
    const { stdout } = await run('npm', ['pack', spec, '--json', '--pack-destination', tmp], { maxBuffer: 64 * 2 ** 20 });
    const info = (JSON.parse(stdout) as { filename: string; version: string }[])[0]!;
    const tgz = path.join(tmp, info.filename.replace(/^@/, '').replace('/', '-'));
    const bytes = await readFile(existsSync(tgz) ? tgz : path.join(tmp, (await readdir(tmp)).find((f) => f.endsWith('.tgz'))!));
    const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
    if (expect !== null && integrity !== expect) throw new Error(`${spec}: tarball integrity ${integrity} is not the pinned ${expect}`);
    const tarball = path.join(tmp, 'p.tgz');
    await writeFile(tarball, bytes);
    const { stdout: list } = await run('tar', ['-tzf', tarball], { maxBuffer: 64 * 2 ** 20 });
    const entries = list.split('\n').filter((l) => l !== '');
    const metaJson = (await run('tar', ['-xzOf', tarball, 'package/metadata.json'], { maxBuffer: 2 ** 20 })).stdout;
    const meta = JSON.parse(metaJson) as Metadata;
    const latin = new Map<number, string>();
    for (const e of entries) {
      const m = /^package\/files\/(.+)-latin-(\d+)-normal\.woff2$/.exec(e);
      if (m !== null && m[1] === meta.id) latin.set(Number(m[2]), e);
    }
    if (latin.size === 0) throw new Error(`${spec}: no Latin normal woff2 file`);
    const weights = [...latin.keys()];
    const near = (w: number): number => weights.reduce((a, b) => (Math.abs(b - w) < Math.abs(a - w) ? b : a));
    const picked = [...new Set([near(400), ...(weights.some((w) => w >= 600) ? [near(700)] : [])])];
    const keep = [...picked.map((w) => latin.get(w)!), ...(entries.includes('package/LICENSE') ? ['package/LICENSE'] : [])];
    const unpack = path.join(tmp, 'x');
    await mkdir(unpack);
    await run('tar', ['-xzf', tarball, '-C', unpack, ...keep]);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    for (const k of keep) await rename(path.join(unpack, k), path.join(dir, path.basename(k)));
    return { dir, version: info.version, integrity, meta, faces: picked.map((w) => ({ weight: w, file: path.basename(latin.get(w)!) })) };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Ink of one character drawn at 64 px, cut to its box and scaled to 16 × 16 (0/1), or null when blank. */
function glyphShape(family: string, ch: string): Uint8Array | null {
  const canvas = createCanvas(128, 128);
  const ctx = canvas.getContext('2d');
  ctx.font = `64px "${family}"`;
  ctx.fillStyle = '#fff';
  ctx.fillText(ch, 24, 90);
  const d = ctx.getImageData(0, 0, 128, 128).data;
  let x0 = 128;
  let y0 = 128;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < 128; y++) for (let x = 0; x < 128; x++) if (d[(y * 128 + x) * 4 + 3]! > 100) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = y; }
  if (x1 < 0) return null;
  const out = new Uint8Array(256);
  for (let j = 0; j < 16; j++) {
    for (let i = 0; i < 16; i++) {
      const x = Math.floor(x0 + ((i + 0.5) * (x1 - x0 + 1)) / 16);
      const y = Math.floor(y0 + ((j + 0.5) * (y1 - y0 + 1)) / 16);
      out[j * 16 + i] = d[(y * 128 + x) * 4 + 3]! > 100 ? 1 : 0;
    }
  }
  return out;
}

/** Lower-case letters whose shape differs from the capital in ordinary faces: most look alike → capitals only. */
function drawsCapitals(family: string): boolean {
  let alike = 0;
  const letters = 'abdefghnqrt';
  for (const ch of letters) {
    const lo = glyphShape(family, ch);
    const up = glyphShape(family, ch.toUpperCase());
    if (lo === null || up === null) continue;
    let inter = 0;
    let union = 0;
    for (let i = 0; i < 256; i++) { inter += lo[i]! & up[i]!; union += lo[i]! | up[i]!; }
    if (union > 0 && inter / union > 0.7) alike++;
  }
  return alike >= 8;
}

/** Checks one unpacked face: the reason it is unusable (a letter or digit without a glyph, no ink), or its traits. */
function analyseFace(file: string, family: string, smallCaps = false): { capsOnly: boolean; missing: string } | string {
  const glyph = fontCmap(new Uint8Array(readFileSync(file)));
  const lacks = [...ALNUM].filter((c) => glyph(c.charCodeAt(0)) === 0);
  if (lacks.length > 0) return `no glyph for ${JSON.stringify(lacks.join(''))}`;
  let missing = '';
  for (let c = 0x21; c < 0x7f; c++) if (glyph(c) === 0) missing += String.fromCharCode(c);
  if (GlobalFonts.registerFromPath(file, family) === null) return 'not readable by @napi-rs/canvas';
  if (glyphShape(family, 'H') === null) return 'draws no ink';
  return { capsOnly: smallCaps || drawsCapitals(family), missing };
}

async function pool<T>(items: readonly T[], jobs: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  }));
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: '.cache/fonts' }, jobs: { type: 'string', default: '4' }, limit: { type: 'string' }, pin: { type: 'string' } } });
  const out = path.resolve(values.out);
  const jobs = Math.max(1, Math.min(8, Number(values.jobs)));
  await mkdir(out, { recursive: true });
  const faces: CachedFace[] = [];
  const failed: string[] = [];
  if (values.pin !== undefined) {
    // Re-pin: the newest version of each named package; keep those with a usable Latin face.
    const names = (await readFile(values.pin, 'utf8')).split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((n) => n !== '');
    const pinned: PinnedFont[] = [];
    await pool(names, jobs, async (name) => {
      try {
        const p = await packOne(`@fontsource/${name}`, path.join(out, name), null);
        await writeFile(path.join(p.dir, '.faces.json'), JSON.stringify({ version: p.version, faces: p.faces }));
        await writeFile(path.join(p.dir, '.pinned'), p.integrity);
        const category = CATEGORY[p.meta.category];
        if (category === undefined) throw new Error(`unknown category ${p.meta.category}`);
        const why = analyseFace(path.join(p.dir, p.faces[0]!.file), `fs-${name}-${p.faces[0]!.weight}`);
        if (typeof why === 'string') throw new Error(why);
        pinned.push({ name, family: p.meta.family, version: p.version, integrity: p.integrity, category, licence: p.meta.license?.type ?? 'unknown' });
        licences.set(name, p.meta.license?.attribution ?? '');
      } catch (err) {
        failed.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
      }
    });
    pinned.sort((a, b) => a.name.localeCompare(b.name));
    await writeFile(PIN_FILE, `${JSON.stringify(pinned, null, 1)}\n`);
    const lines = pinned.map((f) => `| ${f.family} | @fontsource/${f.name}@${f.version} | ${f.category} | ${f.licence} | ${(licences.get(f.name) ?? '').replace(/\|/g, '/').replace(/\s+/g, ' ')} |`);
    await writeFile(LICENCE_FILE, `# Fonts fetched by scripts/fonts/fetch_fonts.ts\n\nNot part of the repository: \`fetch_fonts.ts\` downloads them into \`.cache/fonts/\` (gitignored). Each package ships its own LICENSE file, kept beside its faces there. Licences as the packages' metadata state them:\n\n| family | package | category | licence | attribution |\n| --- | --- | --- | --- | --- |\n${lines.join('\n')}\n`);
    console.log(`pinned ${pinned.length} of ${names.length} packages → ${path.relative(process.cwd(), PIN_FILE)}; ${failed.length} left out:\n  ${failed.join('\n  ')}`);
  }
  const pins = JSON.parse(await readFile(PIN_FILE, 'utf8')) as PinnedFont[];
  const list = values.limit === undefined ? pins : pins.slice(0, Number(values.limit));
  let done = 0;
  await pool(list, jobs, async (pin) => {
    const dir = path.join(out, pin.name);
    const stamp = path.join(dir, '.pinned');
    try {
      let p: { version: string; faces: { weight: number; file: string }[] };
      if (existsSync(stamp) && (await readFile(stamp, 'utf8')) === pin.integrity) {
        p = JSON.parse(await readFile(path.join(dir, '.faces.json'), 'utf8')) as typeof p;
      } else {
        p = await packOne(`@fontsource/${pin.name}@${pin.version}`, dir, pin.integrity);
        await writeFile(path.join(dir, '.faces.json'), JSON.stringify({ version: p.version, faces: p.faces }));
        await writeFile(stamp, pin.integrity);
      }
      for (const f of p.faces) {
        const family = `fs-${pin.name}-${f.weight}`;
        // Families named "… SC" (and a few others, looked at) draw small capitals for lower case: shapes
        // alone do not tell them apart from bold faces (a looser shapes test took Anton and Ubuntu Bold).
        const a = analyseFace(path.join(dir, f.file), family, /\bSC\b/.test(pin.family) || SMALL_CAPS.has(pin.name));
        if (typeof a === 'string') { failed.push(`${pin.name} ${f.weight}: ${a}`); continue; }
        faces.push({ family, file: `${pin.name}/${f.file}`, package: `@fontsource/${pin.name}`, version: pin.version, style: pin.category, weight: f.weight, capsOnly: a.capsOnly, missing: a.missing, licence: pin.licence });
      }
    } catch (err) {
      failed.push(`${pin.name}: ${(err as Error).message.split('\n')[0]}`);
    }
    done++;
    if (process.stderr.isTTY) process.stderr.write(`\r${done}/${list.length} packages, ${faces.length} faces`);
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  faces.sort((a, b) => a.family.localeCompare(b.family));
  const manifest: FontCacheManifest = { format: 'webstr-font-cache', version: 1, faces };
  await writeFile(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 1)}\n`);
  const by = (k: FontCategory): number => new Set(faces.filter((f) => f.style === k).map((f) => f.package)).size;
  console.log(`${faces.length} faces of ${new Set(faces.map((f) => f.package)).size} families (sans ${by('sans')}, serif ${by('serif')}, mono ${by('mono')}, display ${by('display')}, handwriting ${by('handwriting')}; ${faces.filter((f) => f.capsOnly).length} capitals-only) → ${path.join(out, 'manifest.json')}`);
  if (failed.length > 0) console.log(`left out:\n  ${failed.join('\n  ')}`);
  return failed.length > 0 && values.pin === undefined ? 1 : 0;
}

const licences = new Map<string, string>();

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main();
