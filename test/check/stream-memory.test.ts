import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { syntheticChunks } from '../stream/synthetic.js';

/**
 * `check STREAM DEST` and `convert --to DEST` of a file do not hold the stream: a child process
 * checks and converts a synthetic stream of 256 MiB of RAM (192 MiB of data pages) and one of
 * 1 MiB, and the peak RSS differs by far less than the big stream's size (holding it would add
 * about 192 MiB). Not timed.
 */
const run = promisify(execFile);
const MiB = 2 ** 20;
const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'vmstate-stream-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DUMP = join(root, 'test/vectors/qemu-7.2/dump-pc-i440fx-7.2.json');

function writeSynthetic(ramBytes: number): string {
  const file = join(dir, `synthetic-${ramBytes / MiB}.mig`);
  const fd = openSync(file, 'w');
  try {
    for (const chunk of syntheticChunks({ ramBytes })) {
      for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

async function peak(
  file: string,
): Promise<{ verdict: string; converted: boolean; written: number; maxRss: number }> {
  const child = join(import.meta.dirname, 'fixtures/memory-child.ts');
  const { stdout } = await run(process.execPath, ['--import', 'tsx', child, file, DUMP], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(stdout);
}

describe('check and convert of a big stream file: memory does not grow with it', () => {
  it('256 MiB against 1 MiB of RAM: peak RSS within 64 MiB, output complete', async () => {
    const small = writeSynthetic(MiB);
    const big = writeSynthetic(256 * MiB);
    const a = await peak(small);
    const b = await peak(big);
    for (const [r, f] of [
      [a, small],
      [b, big],
    ] as const) {
      expect(r.verdict).toBe('loads');
      expect(r.converted).toBe(true);
      expect(r.written).toBe(statSync(f).size);
    }
    expect(statSync(big).size).toBeGreaterThan(180 * MiB);
    expect(b.maxRss - a.maxRss).toBeLessThan(64 * MiB);
  }, 300_000);
});
