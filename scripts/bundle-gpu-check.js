#!/usr/bin/env node
// @ts-check
/**
 * Offline bundle of the GPU host check, for a GPU host with neither network nor npm
 * nor Node.js (`npm run bundle:gpu-check`):
 *
 *   node scripts/bundle-gpu-check.js [--out DIR] [--tar] [--gzip] [--skip-node] [--skip-data] [--no-minify] [--limit-mib N]
 *
 * DIR (default runs/gpu-check-bundle) receives:
 *   run.sh          unpacks payload.tar.* once beside itself, puts ./libs (or $D2V_GPU_LIBS)
 *                   on the library path, runs gpu-check with the bundled Node.js;
 *   payload.tar.xz  (or .gz with --gzip) holding
 *                     node                       this Node.js binary (process.execPath),
 *                     app/gpu-check.js           scripts/gpu-check.js and the library code it
 *                                                uses, with tfjs and the WebGPU backend, in one file
 *                                                (esbuild; sharp, for image files, left out),
 *                     app/webgpu.test.js         the parity tests (test/backend/webgpu.test.ts),
 *                     app/gpu-parity.js          their runner, with mocha,
 *                     app/*.wasm                 tfjs' wasm backend (the parity reference),
 *                     app/node_modules/webgpu    index.js, package.json and this platform's Dawn binary,
 *                     app/datasets               the bundled data sets the micro recipes train on,
 *                     app/package.json;
 *   MANIFEST.json   every file of DIR and of the payload with its size, and the size of each part;
 *   README.txt      how to run it.
 * --tar also writes DIR.tar. --skip-node leaves Node.js out (the host brings its own:
 * run.sh then uses `node` from PATH); --skip-data leaves the bundled data sets out (a
 * checkout of this repository on the host brings them: run.sh links $D2V_DATASETS into
 * the unpacked app); --no-minify keeps the JavaScript readable, with its function names
 * (for a CPU profile of the host side: D2V_NODE_FLAGS=--cpu-prof ./run.sh; run.sh passes
 * D2V_NODE_FLAGS to Node.js). The build fails, leaving nothing, when the
 * bundle exceeds --limit-mib (default 60).
 */
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const MIB = 1024 * 1024;

function parseArgs(argv) {
  const o = { out: path.join(root, 'runs', 'gpu-check-bundle'), tar: false, gzip: false, skipNode: false, skipData: false, minify: true, limitMib: 60 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') o.out = path.resolve(argv[++i]);
    else if (a === '--tar') o.tar = true;
    else if (a === '--gzip') o.gzip = true;
    else if (a === '--skip-node') o.skipNode = true;
    else if (a === '--skip-data') o.skipData = true;
    else if (a === '--no-minify') o.minify = false;
    else if (a === '--limit-mib') o.limitMib = Number(argv[++i]);
    else throw new Error(`unknown option ${a}; use --out DIR, --tar, --gzip, --skip-node, --skip-data, --no-minify, --limit-mib N.`);
  }
  if (!(o.limitMib > 0)) throw new Error(`--limit-mib must be a positive number of MiB, got ${o.limitMib}.`);
  return o;
}

/** Every file under `dir`, relative paths with sizes. */
function listFiles(dir, prefix = '') {
  const out = [];
  for (const e of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.posix.join(prefix, e.name);
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push({ path: rel, bytes: fs.statSync(path.join(dir, rel)).size });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

/** The image-decoding package, which the check never calls: a module that says so if it is used. */
const SHARP_STUB = 'const no = () => { throw new Error("sharp (image file decoding) is not part of the gpu-check bundle"); };' +
  'module.exports = new Proxy(no, { get: (t, k) => (k === "__esModule" ? undefined : no), apply: no });';

async function bundleJs(app, minify) {
  const esbuild = require('esbuild');
  await esbuild.build({
    entryPoints: {
      'gpu-check': path.join(root, 'scripts', 'gpu-check.js'),
      'gpu-parity': path.join(root, 'scripts', 'gpu-parity.js'),
      'webgpu.test': path.join(root, 'dist', 'test', 'backend', 'webgpu.test.js'),
    },
    outdir: app,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify,
    keepNames: !minify,
    legalComments: 'none',
    external: ['webgpu'],
    logLevel: 'error',
    plugins: [{
      name: 'leave-out-sharp',
      setup(b) {
        b.onResolve({ filter: /^sharp$/ }, () => ({ path: 'sharp', namespace: 'left-out' }));
        b.onLoad({ filter: /.*/, namespace: 'left-out' }, () => ({ contents: SHARP_STUB, loader: 'js' }));
      },
    }],
  });
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  for (const f of fs.readdirSync(path.join(wasmDir, 'dist')).filter((f) => f.endsWith('.wasm'))) fs.copyFileSync(path.join(wasmDir, 'dist', f), path.join(app, f));
}

/** The `webgpu` package with only what Node needs on this platform. */
function copyDawn(app) {
  const src = path.dirname(require.resolve('webgpu/package.json'));
  const dst = path.join(app, 'node_modules', 'webgpu');
  const platform = `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`;
  fs.mkdirSync(path.join(dst, 'dist', platform), { recursive: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8'));
  fs.writeFileSync(path.join(dst, 'package.json'), JSON.stringify({ name: pkg.name, version: pkg.version, type: pkg.type, main: pkg.main, license: pkg.license }, null, 2) + '\n');
  for (const f of ['index.js', 'LICENSE.md']) fs.copyFileSync(path.join(src, f), path.join(dst, f));
  for (const f of fs.readdirSync(path.join(src, 'dist', platform))) fs.copyFileSync(path.join(src, 'dist', platform, f), path.join(dst, 'dist', platform, f));
}

const RUN_SH = `#!/bin/sh
# data2vec-ts GPU host check, offline: unpack once, then run gpu-check with the bundled Node.js.
#   ./run.sh [--quick] [--out FILE] [--updates N] [--seconds S] [--profile N]
# Libraries the host lacks (the Vulkan loader libvulkan.so.1, Mesa's EGL/GLES) can be put in
# ./libs (or a folder named by D2V_GPU_LIBS); NVIDIA: VK_DRIVER_FILES=/path/to/nvidia_icd.json.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dest="$here/unpacked"
if [ ! -f "$dest/.complete" ]; then
  command -v __DECOMPRESS__ >/dev/null 2>&1 || { echo "error: unpacking needs __DECOMPRESS__ (Debian/Ubuntu: apt-get install __DECOMPRESS_PKG__), or rebuild the bundle with --gzip." >&2; exit 1; }
  rm -rf "$dest.part" && mkdir -p "$dest.part"
  __DECOMPRESS__ -dc "$here/__PAYLOAD__" | tar -xif - -C "$dest.part"
  touch "$dest.part/.complete"
  rm -rf "$dest" && mv "$dest.part" "$dest"
fi
if [ ! -e "$dest/app/datasets" ]; then
  [ -n "\${D2V_DATASETS:-}" ] && [ -d "\${D2V_DATASETS:-}" ] || { echo "error: this bundle was built without its data sets (--skip-data); set D2V_DATASETS to the datasets folder of a data2vec-ts checkout." >&2; exit 1; }
  ln -s "$(cd "$D2V_DATASETS" && pwd)" "$dest/app/datasets"
fi
libs="\${D2V_GPU_LIBS:-$here/libs}"
if [ -d "$libs" ]; then
  LD_LIBRARY_PATH="$libs\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LD_LIBRARY_PATH
fi
node="$dest/node"
[ -x "$node" ] || node=$(command -v node) || { echo "error: this bundle was built without Node.js (--skip-node) and no node is on PATH." >&2; exit 1; }
exec timeout --kill-after=10 "\${D2V_GPU_CHECK_TIMEOUT:-480}" "$node" \${D2V_NODE_FLAGS:-} "$dest/app/gpu-check.js" --out "$here/gpu-check.json" "$@"
`;

const README = `data2vec-ts GPU host check (offline bundle)

  ./run.sh            full check: adapter, parity tests on it, base image v1/v2 at 224x224/16
  ./run.sh --quick    the same at the tiny preset (minutes on a software adapter)

Writes gpu-check.json (and gpu-check-parity.json) beside run.sh. Needs a Linux x86-64
host with glibc, tar and __DECOMPRESS__; nothing is downloaded. On an NVIDIA host Dawn uses
Vulkan: the loader (libvulkan.so.1) and the driver's ICD. If the loader is missing, copy
libvulkan.so.1 into ./libs. If the driver did not install its ICD system-wide:
  VK_DRIVER_FILES=/usr/share/vulkan/icd.d/nvidia_icd.json ./run.sh
Dawn toggles: D2V_DAWN_FLAGS=backend=vulkan,adapter=H100,verbose=1 ./run.sh
See MANIFEST.json for what the bundle holds.
`;

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}${r.error ? `: ${r.error.message}` : ''}).`);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  for (const f of ['dist/test/backend/webgpu.test.js', 'dist/src/backend/webgpu.js']) {
    if (!fs.existsSync(path.join(root, f))) throw new Error(`${f} is missing; run npm run build first.`);
  }
  const tool = o.gzip ? { bin: 'gzip', pkg: 'gzip', ext: 'gz', args: ['-6'] } : { bin: 'xz', pkg: 'xz-utils', ext: 'xz', args: ['-6', '-T0'] };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'd2v-gpu-bundle-'));
  const out = o.out;
  const part = `${out}.part`;
  try {
    const stage = path.join(work, 'payload');
    const app = path.join(stage, 'app');
    fs.mkdirSync(app, { recursive: true });
    await bundleJs(app, o.minify);
    copyDawn(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'data2vec-ts', private: true, description: 'gpu-check bundle' }, null, 2) + '\n');
    if (!o.skipData) fs.cpSync(path.join(root, 'datasets'), path.join(app, 'datasets'), { recursive: true });
    if (!o.skipNode) fs.copyFileSync(process.execPath, path.join(stage, 'node'));
    const payloadFiles = listFiles(stage);
    const partOf = (p) => (p === 'node' ? 'node' : p.endsWith('.node') ? 'dawn' : p.startsWith('app/datasets/') ? 'datasets' : p.endsWith('.wasm') ? 'wasm' : 'js');

    fs.rmSync(part, { recursive: true, force: true });
    fs.mkdirSync(part, { recursive: true });
    const payload = `payload.tar.${tool.ext}`;
    // each part compressed alone as well, only to report its compressed size
    const parts = {};
    for (const f of payloadFiles) {
      const k = partOf(f.path);
      parts[k] ??= { files: 0, bytes: 0, compressed_bytes: 0 };
      parts[k].files++;
      parts[k].bytes += f.bytes;
    }
    // Compressing Node.js takes minutes on a busy machine: its archive is kept between builds.
    const cacheDir = path.join(root, 'node_modules', '.cache', 'gpu-check-bundle');
    const nodeStat = fs.statSync(process.execPath);
    const nodeCache = path.join(cacheDir, `node-${process.version}-${nodeStat.size}-${Math.round(nodeStat.mtimeMs)}-${tool.bin}${tool.args[0]}.tar.${tool.ext}`);
    for (const k of Object.keys(parts)) {
      const archive = path.join(work, `${k}.tar.${tool.ext}`);
      if (k === 'node' && fs.existsSync(nodeCache)) {
        fs.copyFileSync(nodeCache, archive);
      } else {
        const list = path.join(work, `${k}.list`);
        fs.writeFileSync(list, payloadFiles.filter((f) => partOf(f.path) === k).map((f) => f.path).join('\n') + '\n');
        const r = spawnSync('sh', ['-c', `tar -cf - -C "${stage}" -T "${list}" | ${tool.bin} ${tool.args.join(' ')} -c > "${archive}"`], { stdio: 'inherit' });
        if (r.status !== 0) throw new Error(`compressing the ${k} part failed; is ${tool.bin} installed (${tool.pkg})?`);
        if (k === 'node') {
          fs.mkdirSync(cacheDir, { recursive: true });
          fs.copyFileSync(archive, `${nodeCache}.part`);
          fs.renameSync(`${nodeCache}.part`, nodeCache);
        }
      }
      parts[k].compressed_bytes = fs.statSync(archive).size;
    }
    // the payload is the concatenation of the parts: tar's -i reads past each archive's end
    const fd = fs.openSync(path.join(part, payload), 'w');
    for (const k of Object.keys(parts)) fs.writeSync(fd, fs.readFileSync(path.join(work, `${k}.tar.${tool.ext}`)));
    fs.closeSync(fd);
    fs.writeFileSync(path.join(part, 'run.sh'), RUN_SH.replace(/__DECOMPRESS__/g, tool.bin).replace(/__DECOMPRESS_PKG__/g, tool.pkg).replace(/__PAYLOAD__/g, payload), { mode: 0o755 });
    fs.writeFileSync(path.join(part, 'README.txt'), README.replace(/__DECOMPRESS__/g, tool.bin));
    const bundleFiles = listFiles(part);
    const others = bundleFiles.reduce((s, f) => s + f.bytes, 0);
    const manifest = {
      built: new Date().toISOString(),
      node: o.skipNode ? null : process.version,
      platform: `${process.platform}-${process.arch}`,
      compression: tool.bin,
      limit_bytes: o.limitMib * MIB,
      /** Every file of the folder, MANIFEST.json included. */
      total_bytes: others,
      files: bundleFiles,
      parts,
      payload: payloadFiles,
    };
    // the total counts the manifest itself: settle the number that holds its own length
    let text = '';
    for (let i = 0; i < 5; i++) {
      text = JSON.stringify(manifest, null, 1) + '\n';
      const next = others + Buffer.byteLength(text);
      if (next === manifest.total_bytes) break;
      manifest.total_bytes = next;
    }
    fs.writeFileSync(path.join(part, 'MANIFEST.json'), text);
    const actual = listFiles(part).reduce((s, f) => s + f.bytes, 0);
    if (actual !== manifest.total_bytes) throw new Error(`MANIFEST.json says ${manifest.total_bytes} bytes but the folder holds ${actual}.`);
    for (const [k, p] of Object.entries(parts)) process.stderr.write(`  ${k.padEnd(9)} ${String(p.files).padStart(5)} files ${(p.bytes / MIB).toFixed(1).padStart(7)} MiB → ${(p.compressed_bytes / MIB).toFixed(1).padStart(6)} MiB ${tool.bin}\n`);
    process.stderr.write(`bundle: ${(actual / MIB).toFixed(1)} MiB in ${bundleFiles.length + 1} files (limit ${o.limitMib} MiB)\n`);
    if (actual > o.limitMib * MIB) throw new Error(`the bundle is ${(actual / MIB).toFixed(1)} MiB, over the ${o.limitMib} MiB limit; nothing was written.`);
    fs.rmSync(out, { recursive: true, force: true });
    fs.renameSync(part, out);
    if (o.tar) {
      sh('tar', ['-cf', `${out}.tar`, '-C', path.dirname(out), path.basename(out)]);
      process.stderr.write(`wrote ${out}.tar (${(fs.statSync(`${out}.tar`).size / MIB).toFixed(1)} MiB)\n`);
    }
    process.stderr.write(`wrote ${out}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(part, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`error: ${e.message}\n`);
  process.exitCode = 1;
});
