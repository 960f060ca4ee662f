#!/usr/bin/env node
// @ts-check
/**
 * Regenerates the bundled Fashion-MNIST subset in this folder from the full
 * set: 600 images per class from the training split and 100 per class from the
 * test split, drawn with a seeded RNG, written as gzip IDX files under the
 * standard names. Run from the package root after building:
 *
 *   npm run build && node datasets/fashion-mnist/make-subset.js
 *
 * Options: --source DIR (default /usr/share/datasets/fashion-mnist; when that
 * default folder is missing, the Debian package dataset-fashion-mnist is
 * installed with apt-get), --out DIR (default: this folder), --seed N.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const zlib = require('zlib');
const { execFileSync } = require('child_process');

const DEFAULT_SOURCE = '/usr/share/datasets/fashion-mnist';
const DEBIAN_PACKAGE = 'dataset-fashion-mnist';

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ source: string, out: string, seed: number | undefined }} */
  const args = { source: DEFAULT_SOURCE, out: __dirname, seed: undefined };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`option ${flag} needs a value.`);
    if (flag === '--source') args.source = path.resolve(value);
    else if (flag === '--out') args.out = path.resolve(value);
    else if (flag === '--seed') args.seed = Number(value);
    else throw new Error(`unknown option ${flag}; use --source DIR, --out DIR or --seed N.`);
  }
  return args;
}

/** Install the Debian package holding the full set (as root, or through sudo). */
function installDebianPackage() {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const run = (/** @type {string[]} */ cmd) => {
    const [file, ...rest] = root ? cmd : ['sudo', ...cmd];
    console.log(`$ ${[file, ...rest].join(' ')}`);
    execFileSync(file, rest, { stdio: 'inherit' });
  };
  run(['apt-get', 'update']);
  run(['apt-get', 'install', '-y', DEBIAN_PACKAGE]);
}

/** @param {string} file */
function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const lib = path.join(__dirname, '..', '..', 'dist', 'src', 'data', 'image-dataset.js');
  if (!fs.existsSync(lib)) throw new Error(`${lib} is missing; run npm run build first.`);
  /** @type {typeof import('../../src/data/image-dataset')} */
  const data = require(lib);

  if (!fs.existsSync(args.source)) {
    if (args.source !== DEFAULT_SOURCE) throw new Error(`source folder ${args.source} does not exist.`);
    installDebianPackage();
  }
  const full = data.loadFashionMnist(args.source);
  const subset = data.fashionMnistSubset(full, args.seed === undefined ? {} : { seed: args.seed });

  fs.mkdirSync(args.out, { recursive: true });
  const F = data.FASHION_MNIST_FILES;
  /** @type {[import('../../src/data/image-dataset').ImageDataset, string, string][]} */
  const splits = [
    [subset.train, F.trainImages, F.trainLabels],
    [subset.test, F.testImages, F.testLabels],
  ];
  console.log(`source: ${full.source}`);
  for (const [ds, images, labels] of splits) {
    const files = [images, labels].map((f) => path.join(args.out, `${f}.gz`));
    data.writeImageDatasetIdx(ds, files[0], files[1]);
    const counts = new Array(ds.classNames.length).fill(0);
    ds.labels.forEach((l) => counts[l]++);
    console.log(`${ds.name}: ${ds.n} images ${ds.height}x${ds.width}x${ds.channels}, per class [${counts.join(', ')}]`);
    for (const f of files) {
      const plain = crypto.createHash('sha256').update(zlib.gunzipSync(fs.readFileSync(f))).digest('hex');
      console.log(`  ${path.basename(f)}  ${fs.statSync(f).size} bytes  sha256 ${sha256(f)}  (uncompressed sha256 ${plain})`);
    }
  }
}

try {
  main();
} catch (e) {
  console.error(`make-subset: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
