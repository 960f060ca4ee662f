/**
 * Image folders as people keep them (issue "real corpora"; spec §7 probe labels):
 * the torchvision ImageFolder layout `train/<class>/*.jpg|png|webp` with an
 * optional `val/<class>/` split (ImageNet's layout), a folder of class
 * sub-folders without `train/`, or a flat folder of unlabelled images. Only
 * file names are listed here; decoding happens later (`image-transform.ts`),
 * off the training thread. Zero-byte files and files that are not images by
 * their extension are counted as skipped, never fatal on their own.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SkipLog, SkipLogOptions } from './skip-log';

/** Extensions read as images (any case). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp'];

/** One image file and its class index (-1 when the folder has no classes). */
export interface ImageEntry {
  file: string;
  label: number;
}

/** The files of an image folder, split and labelled. */
export interface ImageFolder {
  /** Absolute folder read. */
  root: string;
  layout: 'imagefolder' | 'flat';
  train: ImageEntry[];
  /** `val/` (or `test/`) when present; otherwise empty. */
  val: ImageEntry[];
  /** Class names in sorted order (sub-folder names); empty for a flat folder. */
  classNames: string[];
  /** Files left out while listing (zero bytes, not an image). */
  skips: SkipLog;
}

const isImageName = (name: string): boolean => IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());

function visibleEntries(dir: string): fs.Dirent[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Image files directly in `dir` (sorted), counting zero-byte and non-image files in `skips`. */
function imagesIn(dir: string, skips: SkipLog): string[] {
  const files: string[] = [];
  for (const e of visibleEntries(dir)) {
    if (!e.isFile()) continue;
    const file = path.join(dir, e.name);
    if (!isImageName(e.name)) {
      skips.skip(file, 'not an image', `${file} is not an image (extension ${path.extname(e.name) || 'none'}; expected ${IMAGE_EXTENSIONS.join(', ')}).`);
    } else if (fs.statSync(file).size === 0) {
      skips.skip(file, 'empty file', `${file} is empty (0 bytes); re-download it or remove it.`);
    } else {
      files.push(file);
      skips.ok();
    }
  }
  return files;
}

/** `dir/<class>/*` entries for the given classes (a class folder missing here gives no entries). */
function classEntries(dir: string, classNames: readonly string[], skips: SkipLog): ImageEntry[] {
  return classNames.flatMap((name, label) => {
    const sub = path.join(dir, name);
    return fs.existsSync(sub) ? imagesIn(sub, skips).map((file) => ({ file, label })) : [];
  });
}

const subfolders = (dir: string): string[] => visibleEntries(dir).filter((e) => e.isDirectory()).map((e) => e.name);

/**
 * List an image folder. Layouts, tried in order: `dir/train/<class>/` (+
 * `dir/val/<class>/` or `dir/test/<class>/`), `dir/<class>/`, and a flat
 * `dir/*.jpg`. Class names come from `train/` and are sorted, so the same
 * folder always gives the same label indices. Throws one sentence when the
 * folder is missing or holds no images.
 */
export function scanImageFolder(dir: string, options: SkipLogOptions = {}): ImageFolder {
  const root = path.resolve(dir);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new Error(`image folder ${root} does not exist or is not a folder; pass a folder laid out as train/<class>/*.jpg or a flat folder of images.`);
  }
  const skips = new SkipLog('files', options);
  const trainDir = path.join(root, 'train');
  let result: ImageFolder;
  if (fs.existsSync(trainDir) && fs.statSync(trainDir).isDirectory()) {
    const classNames = subfolders(trainDir);
    const valDir = ['val', 'test'].map((s) => path.join(root, s)).find((d) => fs.existsSync(d));
    result = classNames.length > 0
      ? { root, layout: 'imagefolder', classNames, train: classEntries(trainDir, classNames, skips), val: valDir ? classEntries(valDir, classNames, skips) : [], skips }
      : { root, layout: 'flat', classNames: [], train: imagesIn(trainDir, skips).map((file) => ({ file, label: -1 })), val: [], skips };
  } else if (subfolders(root).length > 0) {
    const classNames = subfolders(root);
    result = { root, layout: 'imagefolder', classNames, train: classEntries(root, classNames, skips), val: [], skips };
  } else {
    result = { root, layout: 'flat', classNames: [], train: imagesIn(root, skips).map((file) => ({ file, label: -1 })), val: [], skips };
  }
  if (result.train.length === 0) {
    throw new Error(`image folder ${root} holds no ${IMAGE_EXTENSIONS.join('/')} images (${skips.summary()}); lay it out as train/<class>/*.jpg or put images directly in it.`);
  }
  return result;
}
