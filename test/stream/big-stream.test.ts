import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressFor } from '../../src/cli/progress.js';
import { writePieces } from '../../src/cli/write-pieces.js';
import {
  analysisChunks,
  analysisText,
  analyzeStream,
  encodeStream,
  hexBytes,
  readLosslessDocument,
  readStream,
  type StreamItem,
  writeStream,
} from '../../src/stream/index.js';
import { syntheticChunks, syntheticStream } from './synthetic.js';

/**
 * Big streams: a synthetic stream generated on the fly (a Node Readable, never held whole) goes
 * through the reader and `analyze --memory` with memory that does not grow with it. The margins
 * are generous (GC timing varies); keeping the pages would exceed them several times over.
 */

const MiB = 2 ** 20;
const RAM = 256 * MiB;

/** Heap plus array buffers now, and a sampler keeping the peak above `base`. */
function memoryProbe() {
  const now = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const base = now();
  let peak = 0;
  return {
    sample() {
      peak = Math.max(peak, now() - base);
    },
    get peak() {
      return peak;
    },
  };
}

describe('a 256 MiB guest streamed from a Node Readable', () => {
  it('the reader holds a rolling window: page counts come out right, memory stays flat', async () => {
    const probe = memoryProbe();
    let pages = 0;
    let zeros = 0;
    let last = -1;
    let bytes = 0;
    for await (const item of readStream(syntheticStream({ ramBytes: RAM }))) {
      if (item.type === 'ram-page' && item.block === 'pc.ram') {
        pages++;
        // The page index the generator wrote into the page: the data really flows through.
        last = new DataView(item.data.buffer, item.data.byteOffset).getUint32(0);
        bytes += item.data.length;
        if (pages % 2048 === 0) probe.sample();
      } else if (item.type === 'ram-zero' && item.block === 'pc.ram') zeros++;
    }
    expect(pages + zeros).toBe(RAM / 4096);
    expect(zeros).toBe(RAM / 4096 / 4);
    expect(last).toBe(RAM / 4096 - 1);
    expect(bytes).toBe((RAM / 4) * 3);
    expect(probe.peak).toBeLessThan(96 * MiB);
  }, 120_000);

  it('analyze --memory keeps page data out of memory and writes the text piece by piece', async () => {
    const probe = memoryProbe();
    const a = await analyzeStream(syntheticStream({ ramBytes: RAM }), {
      memory: true,
      onProgress: () => probe.sample(),
    });
    const memory = (a.state.get('ram (2)') as Map<string, ReadonlyMap<string, string>>).get('memory');
    expect(memory?.size).toBe(RAM / 4096 + 64);
    let length = 0;
    let entries = 0;
    let pieces = 0;
    for (const piece of analysisChunks(a.state)) {
      length += piece.length;
      entries += piece.split('"pc.ram (0x').length - 1;
      if (++pieces % 256 === 0) probe.sample();
    }
    expect(entries).toBe(RAM / 4096);
    // Three characters a byte for the data pages: the text is far bigger than the margin below.
    expect(length).toBeGreaterThan((RAM / 4) * 3 * 3);
    expect(probe.peak).toBeLessThan(128 * MiB);
    expect(memory?.get('pc.ram (0x0000000000000000)')).toBe('Filled with 0x00');
    const page = memory?.get('pc.ram (0x0000000000005000)') ?? '';
    expect(page.slice(0, 17)).toBe('00 00 00 05 5a 5a');
    expect(page.length).toBe(4096 * 3 - 1);
  }, 180_000);
});

describe('the lossless document of a 256 MiB guest', () => {
  it('is written as it is made and assembled piece by piece into the same bytes, memory flat', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmstate-big-'));
    try {
      const path = join(dir, 'doc.json');
      const fd = openSync(path, 'w');
      const probe = memoryProbe();
      let written = 0;
      let pieces = 0;
      const a = await analyzeStream(syntheticStream({ ramBytes: RAM }), {
        losslessTo: (piece) => {
          written += writeSync(fd, piece);
          if (++pieces % 1024 === 0) probe.sample();
        },
      });
      closeSync(fd);
      expect(a.lossless).toBeUndefined();
      // Base64 pages: the document is bigger than the data in it.
      expect(written).toBeGreaterThan((RAM / 4) * 3 * (4 / 3));
      const doc = readLosslessDocument(path);
      expect(doc.pageSize).toBe(4096);
      const assembled = createHash('sha256');
      let n = 0;
      const bytes = await writeStream(doc.items, (chunk) => {
        assembled.update(chunk);
        if (++n % 16 === 0) probe.sample();
      });
      const original = createHash('sha256');
      let length = 0;
      for (const chunk of syntheticChunks({ ramBytes: RAM })) {
        original.update(chunk);
        length += chunk.length;
      }
      expect(bytes).toBe(length);
      expect(assembled.digest('hex')).toBe(original.digest('hex'));
      expect(probe.peak).toBeLessThan(128 * MiB);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('analyze --memory follows the script exactly', () => {
  it('a page sent twice keeps its first slot and shows its last record', async () => {
    const data = (b: number) => new Uint8Array(4096).fill(b);
    const ram = { sectionId: 2, idstr: 'ram', instanceId: 0, version: 4 } as const;
    const items: StreamItem[] = [
      { type: 'header', version: 3 },
      { type: 'section', kind: 'start', ...ram },
      { type: 'ram-blocks', total: 0x4000n, flags: 4, blocks: [{ name: 'pc.ram', length: 0x4000n }] },
      { type: 'ram-page', block: 'pc.ram', addr: 0x2000n, continued: false, data: data(1) },
      { type: 'ram-zero', block: 'pc.ram', addr: 0x0n, continued: true, fill: 0 },
      { type: 'ram-page', block: 'pc.ram', addr: 0x1000n, continued: true, data: data(2) },
      { type: 'ram-eos', addr: 0n },
      { type: 'section-end', sectionId: 2, footer: true },
      { type: 'section', kind: 'end', ...ram },
      { type: 'ram-zero', block: 'pc.ram', addr: 0x2000n, continued: false, fill: 0xff },
      { type: 'ram-page', block: 'pc.ram', addr: 0x0n, continued: true, data: data(3) },
      { type: 'ram-eos', addr: 0n },
      { type: 'section-end', sectionId: 2, footer: true },
      { type: 'eof' },
    ];
    const a = await analyzeStream(encodeStream(items), { memory: true });
    const memory = (a.state.get('ram (2)') as Map<string, ReadonlyMap<string, string>>).get('memory');
    // A Python dict: the first assignment fixes the order, the last one the value.
    expect([...(memory?.entries() ?? [])]).toEqual([
      ['pc.ram (0x0000000000002000)', 'Filled with 0x-1'],
      ['pc.ram (0x0000000000000000)', hexBytes(data(3))],
      ['pc.ram (0x0000000000001000)', hexBytes(data(2))],
    ]);
    expect(memory?.has('pc.ram (0x0000000000003000)')).toBe(false);
    expect([...analysisChunks(a.state)].join('')).toBe(analysisText(a.state));
  });
});

describe('CLI output for big streams', () => {
  /** A terminal-like stderr that records what is drawn. */
  function tty() {
    const s = new PassThrough() as PassThrough & { isTTY: boolean; columns: number; text: string };
    s.isTTY = true;
    s.columns = 100;
    s.text = '';
    s.on('data', (c: Buffer) => {
      s.text += c.toString();
    });
    return s;
  }

  it('a progress bar with a total for a big file; only a count, and only once big, for a pipe', async () => {
    const file = tty();
    const known = await progressFor(512 * MiB, true, file as unknown as NodeJS.WriteStream);
    known.onProgress?.(300 * MiB);
    known.stop();
    expect(file.text).toContain('/512 MiB');
    expect(file.text).toContain('100%');

    const pipe = tty();
    const unknown = await progressFor(undefined, true, pipe as unknown as NodeJS.WriteStream);
    unknown.onProgress?.(100 * MiB);
    expect(pipe.text).toBe('');
    unknown.onProgress?.(300 * MiB);
    unknown.stop();
    expect(pipe.text).toContain('reading 300 MiB (size unknown)');

    const small = tty();
    (await progressFor(10 * MiB, true, small as unknown as NodeJS.WriteStream)).stop();
    const off = tty();
    (await progressFor(512 * MiB, false, off as unknown as NodeJS.WriteStream)).stop();
    expect(small.text + off.text).toBe('');
  });

  it('output ends quietly when the reader goes away (EPIPE), and other write errors are thrown', async () => {
    const failing = (code: string) => {
      let writes = 0;
      const sink = new Writable({
        highWaterMark: 4,
        write(_chunk, _enc, cb) {
          writes++;
          const e = Object.assign(new Error(code), { code });
          cb(writes > 2 ? e : null);
        },
      });
      return { sink, writes: () => writes };
    };
    const epipe = failing('EPIPE');
    const pieces = Array.from({ length: 1000 }, (_, i) => `piece ${i}\n`);
    expect(await writePieces(epipe.sink, pieces)).toBe(false);
    expect(epipe.writes()).toBeLessThan(1000);
    // The error already reported: a later call sees a destroyed sink and stops at once, no hang.
    expect(await writePieces(epipe.sink, pieces)).toBe(false);
    expect(epipe.writes()).toBeLessThan(1000);
    const enospc = failing('ENOSPC');
    await expect(writePieces(enospc.sink, pieces)).rejects.toMatchObject({ code: 'ENOSPC' });
  });
});
