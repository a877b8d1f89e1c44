/**
 * The big stream the speed bench reads: QEMU 7.2's `pc-paused.mig` (a real pc-i440fx-7.2 stream
 * with its vmdesc, so QEMU's analyze-migration.py reads it too) with its 32 MiB `pc.ram` grown to
 * 512 MiB of data pages: about 514 MiB. Built at bench time into a cache directory, never committed.
 * The page contents are pseudo-random (xorshift32), different in every page, as real memory is.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { readStream, StreamEncoder, type StreamItem } from '../../src/stream/index.js';

const PAGE = 4096;
const RAM = 512 * 2 ** 20;
/** Bump when the layout changes: a cached file of another version is rebuilt. */
const VERSION = 1;

export const smallStream = join(import.meta.dirname, '../../test/vectors/qemu-7.2/pc-paused.mig');

function* grownItems(items: StreamItem[]): Generator<StreamItem> {
  const data = new Uint8Array(PAGE);
  const words = new Uint32Array(data.buffer);
  let x = 0x9e3779b9;
  for (const item of items) {
    if (item.type !== 'ram-blocks') {
      yield item;
      continue;
    }
    const old = item.blocks.find((b) => b.name === 'pc.ram');
    if (!old) throw new Error('pc-paused.mig has no pc.ram block');
    const grow = BigInt(RAM) - old.length;
    yield {
      ...item,
      total: item.total + grow,
      blocks: item.blocks.map((b) => (b.name === 'pc.ram' ? { ...b, length: BigInt(RAM) } : b)),
    };
    for (let i = 0; i < RAM / PAGE; i++) {
      for (let w = 0; w < words.length; w++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        words[w] = x >>> 0;
      }
      yield { type: 'ram-page', block: 'pc.ram', addr: BigInt(i * PAGE), continued: i !== 0, data };
    }
  }
}

/** Path of the ~514 MiB stream under `cacheDir`, built when missing. */
export async function bigStream(cacheDir: string): Promise<string> {
  const path = join(cacheDir, `big-514-v${VERSION}.mig`);
  if (existsSync(path) && statSync(path).size > RAM) return path;
  mkdirSync(dirname(path), { recursive: true });
  const items: StreamItem[] = [];
  for await (const item of readStream(smallStream)) items.push(item);
  const tmp = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  const enc = new StreamEncoder();
  for (const item of grownItems(items)) {
    enc.write(item);
    if (enc.pending >= 1 << 20 && !out.write(enc.take())) {
      await new Promise<void>((res) => out.once('drain', () => res()));
    }
  }
  out.end(enc.take());
  await finished(out);
  renameSync(tmp, path);
  return path;
}
