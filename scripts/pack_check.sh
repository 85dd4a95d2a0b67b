#!/usr/bin/env bash
# The package as an app meets it: `npm pack` (its prepack builds dist-lib/ and dist-cli/), the tarball
# unpacked into a fresh app outside the repo, its declared dependencies linked from this checkout's
# node_modules (no network), then:
#   1. the tarball holds no tests, e2e, fixtures or sources; its size and file count are printed;
#   2. `tsc` passes on a browser module and a Node module that use the package (skipLibCheck off);
#   3. a Node script reads a sample crop through `createRecognizer` (needs the shared PaddleOCR model;
#      skipped with a note without it) and `webstr --version` / `webstr help recognize` run from the bin;
#   4. `vite build` of the browser module succeeds with the worker and the wasm files emitted, and the built
#      page reads the same crop in headless Chromium.
# Usage: bash scripts/pack_check.sh [--keep]   (WEBSTR_SHARED: the shared data folder, default ../shared)
case "${1:-}" in -h | --help) sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;; esac
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
keep=0
[ "${1:-}" = "--keep" ] && keep=1
tmp=$(mktemp -d /tmp/webstr-pack-XXXXXX)
cleanup() { if [ "$keep" = 1 ]; then echo "pack_check: kept $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT
say() { echo "pack_check: $*"; }
t0=$(date +%s)

# 1. Pack.
npm pack --silent --pack-destination "$tmp" --json >"$tmp/pack.out"
# The prepack builds may print before npm's JSON: keep from the line that opens it.
sed -n '/^\[/,$p' "$tmp/pack.out" >"$tmp/pack.json"
node - "$tmp/pack.json" <<'EOF'
const [info] = JSON.parse(require('node:fs').readFileSync(process.argv[2], 'utf8'));
const files = info.files.map((f) => f.path);
const bad = files.filter((f) => /(\.test\.ts$|^e2e\/|fixtures\/|^src\/|^workers\/|^scripts\/|\.ts$)/.test(f) && !f.endsWith('.d.ts'));
console.log(`pack_check: ${info.filename}: ${(info.size / 1e6).toFixed(2)} MB packed, ${(info.unpackedSize / 1e6).toFixed(2)} MB unpacked, ${info.entryCount} files`);
if (bad.length > 0) { console.error(`pack_check: the tarball holds files it should not: ${bad.slice(0, 10).join(', ')}`); process.exit(1); }
for (const need of ['dist-lib/browser/index.js', 'dist-lib/node/index.js', 'dist-lib/types/src/lib/browser.d.ts', 'dist-lib/types/src/lib/node.d.ts', 'dist-cli/main.js', 'cli/webstr.mjs']) {
  if (!files.includes(need)) { console.error(`pack_check: the tarball lacks ${need}`); process.exit(1); }
}
if (!files.some((f) => /^dist-lib\/browser\/assets\/.*\.wasm$/.test(f))) { console.error('pack_check: no wasm files in dist-lib/browser/assets'); process.exit(1); }
EOF
tarball=$(node -e "console.log(JSON.parse(require('fs').readFileSync('$tmp/pack.json','utf8'))[0].filename)")

# The app: the package unpacked as node_modules/webstr; its dependencies and the app's tools linked.
app="$tmp/app"
mkdir -p "$app/node_modules/webstr" "$app/src"
tar -xzf "$tmp/$tarball" -C "$app/node_modules/webstr" --strip-components=1
link() { mkdir -p "$(dirname "$app/node_modules/$1")"; ln -s "$repo/node_modules/$1" "$app/node_modules/$1"; }
for dep in $(node -e "console.log(Object.keys(require('$app/node_modules/webstr/package.json').dependencies).join(' '))"); do link "$dep"; done
# Tools of the app, and the optional peer a Node app that decodes images installs.
for dep in typescript vite @types/node @napi-rs/canvas; do link "$dep"; done
mkdir -p "$app/node_modules/.bin"
ln -s ../webstr/cli/webstr.mjs "$app/node_modules/.bin/webstr"
cp public/samples/01-coffee.png "$app/coffee.png"
cp public/samples/01-coffee.png "$app/src/coffee.png"

cat >"$app/package.json" <<'EOF'
{ "name": "webstr-pack-check-app", "private": true, "type": "module" }
EOF
cat >"$app/src/browser.ts" <<'EOF'
import { createRecognizer, type RecognitionOutcome } from 'webstr';
import crop from './coffee.png?url';

declare global {
  interface Window {
    readCrop(modelUrl: string): Promise<RecognitionOutcome>;
    badModelError(): Promise<string>;
  }
}

// An error thrown in a worker reaches the page under its name.
window.badModelError = async () => {
  try {
    await createRecognizer({ model: new Uint8Array([8, 1, 2, 3]), backend: 'wasm', workers: 1 });
    return 'no error';
  } catch (err) {
    return err instanceof Error ? err.name : String(err);
  }
};

window.readCrop = async (modelUrl: string) => {
  const r = await createRecognizer({ model: modelUrl, backend: 'wasm', workers: 2 });
  try {
    const [out] = await r.recognize([crop], { onProgress: (p) => console.log(`${p.done}/${p.total}`) });
    return out!;
  } finally {
    await r.terminate();
  }
};
document.body.dataset.ready = '1';

/** Never called: tsc must reject a wrong backend, so the package's types are real (not any). */
export function typeSentinel(): void {
  // @ts-expect-error 'metal' is not a backend
  void createRecognizer({ model: 'm.onnx', backend: 'metal' });
}
EOF
cat >"$app/src/node.ts" <<'EOF'
import { createRecognizer, WebstrError } from 'webstr';

const model = process.argv[2];
if (model === undefined) throw new WebstrError('usage: node node.js <model.onnx>');
const r = await createRecognizer({ model, backend: 'wasm' });
const controller = new AbortController();
const out = await r.recognize(['coffee.png', new Uint8Array([1, 2, 3])], { signal: controller.signal });
await r.terminate();
console.log(JSON.stringify({ backend: r.info.backend, out: out.map((o) => (o.ok ? o.text : o.error.name)) }));
EOF
cat >"$app/index.html" <<'EOF'
<!doctype html>
<html><head><meta charset="utf-8"><title>webstr pack check</title></head>
<body><script type="module" src="./src/browser.ts"></script></body></html>
EOF
cat >"$app/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022", "module": "ESNext", "moduleResolution": "Bundler", "lib": ["ES2022", "DOM", "DOM.Iterable"],
    "types": ["vite/client"], "strict": true, "noEmit": true, "skipLibCheck": false
  },
  "files": ["src/browser.ts"]
}
EOF
cat >"$app/tsconfig.node.json" <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "lib": ["ES2022"],
    "types": ["node"], "strict": true, "skipLibCheck": false, "outDir": "."
  },
  "files": ["src/node.ts"]
}
EOF
cat >"$app/vite.config.js" <<'EOF'
export default { logLevel: 'error', worker: { format: 'es' }, build: { target: 'es2022' } };
EOF

# 2. Types.
(cd "$app" && node node_modules/typescript/bin/tsc -p tsconfig.json && node node_modules/typescript/bin/tsc -p tsconfig.node.json)
say "tsc passes on a browser module and a Node module"

# 3. Node.
(cd "$app" && node node_modules/.bin/webstr --version >/dev/null && node node_modules/.bin/webstr help recognize | head -n1 | grep -q '^usage: webstr recognize ')
# The compiled CLI's files beside its chunks (the rich style's patch atlas) and its worker entries, in an
# app that installed the synthetic generator's optional peers (the bundled @fontsource faces).
for dep in $(node -e "console.log(Object.keys(require('$app/node_modules/webstr/package.json').peerDependencies).filter((d) => d.startsWith('@fontsource/')).join(' '))"); do link "$dep"; done
(cd "$app" && node node_modules/.bin/webstr synth --count 6 --style rich --workers 2 --font-cache none --out synth-check --json >synth.json) \
  || { say "webstr synth --style rich --workers 2 failed from the package"; cat "$app/synth.json" 2>/dev/null; exit 1; }
say "the packaged CLI renders rich synthetic words with 2 worker threads"
shared=${WEBSTR_SHARED:-$repo/../shared}
model="$shared/models/paddleocr-en-mobile-v2.0/en_number_mobile_v2.0_rec_infer.onnx"
if [ -f "$model" ]; then
  out=$(cd "$app" && node node.js "$model")
  say "Node: $out"
  echo "$out" | grep -q '"out":\["COFFEE","ImageDecodeError"\]' || { say "Node: expected COFFEE and an ImageDecodeError"; exit 1; }
else
  say "Node: skipped reading the crop (no $model)"
fi

# 4. Browser build, then the built page in Chromium.
(cd "$app" && node node_modules/vite/bin/vite.js build >/dev/null)
ls "$app"/dist/assets/*.wasm >/dev/null || { say "the app's build has no wasm files"; exit 1; }
say "vite build: $(find "$app/dist" -type f | wc -l) files, $(du -sh "$app/dist" | cut -f1)"
if [ -f "$model" ]; then
  node --import ./cli/register.mjs scripts/pack_check_browser.ts "$app/dist" "$model"
else
  say "browser: skipped reading the crop (no $model)"
fi
say "ok in $(( $(date +%s) - t0 )) s"
