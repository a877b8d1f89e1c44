/**
 * A synthetic migration stream of any size, generated on the fly as a Node Readable: header,
 * configuration, RAM START (block list) / PART (pages) / END, EOF. Nothing is kept: each ~1 MiB
 * chunk is produced when the consumer asks for it, so a 2 GiB stream costs the generator no memory.
 *
 * As a script it writes the stream to stdout, for measuring the CLI on big streams:
 *   npx tsx test/stream/synthetic.ts 2048 | /usr/bin/time -v npx tsx src/cli/bin.ts analyze --summary -
 * (the argument is the RAM size in MiB; every fourth page is a zero page).
 */
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { StreamItem } from '../../src/stream/index.js';
import { StreamEncoder } from '../../src/stream/index.js';

export interface SyntheticOptions {
  /** RAM size in bytes (a multiple of 4096). */
  readonly ramBytes: number;
  /** Every n-th page is sent as a ZERO record (default 4); the rest are data pages. */
  readonly zeroEvery?: number;
  /** Pages per PART section (default 65536, 256 MiB). */
  readonly pagesPerPart?: number;
}

const PAGE = 4096;
const BIOS = 256 * 1024;

function* items(o: SyntheticOptions): Generator<StreamItem> {
  const pages = Math.floor(o.ramBytes / PAGE);
  const zeroEvery = o.zeroEvery ?? 4;
  const perPart = o.pagesPerPart ?? 65536;
  const blocks = [
    { name: 'pc.ram', length: BigInt(pages * PAGE) },
    { name: 'pc.bios', length: BigInt(BIOS) },
  ];
  const ram = { sectionId: 2, idstr: 'ram', instanceId: 0, version: 4 } as const;
  yield { type: 'header', version: 3 };
  yield { type: 'configuration', machine: 'pc-i440fx-7.2', subsections: [] };
  yield { type: 'section', kind: 'start', ...ram };
  yield { type: 'ram-blocks', total: BigInt(pages * PAGE + BIOS), flags: 4, blocks };
  yield { type: 'ram-eos', addr: 0n };
  yield { type: 'section-end', sectionId: ram.sectionId, footer: true };
  // One page buffer, rewritten per page: the data differs from page to page like real memory.
  const data = new Uint8Array(PAGE).fill(0x5a);
  const view = new DataView(data.buffer);
  for (let first = 0; first < pages; first += perPart) {
    yield { type: 'section', kind: 'part', ...ram };
    const last = Math.min(pages, first + perPart);
    for (let i = first; i < last; i++) {
      const common = { block: 'pc.ram', addr: BigInt(i * PAGE), continued: i !== first };
      if (i % zeroEvery === 0) yield { type: 'ram-zero', ...common, fill: 0 };
      else {
        view.setUint32(0, i);
        view.setUint32(PAGE - 4, i ^ 0xdeadbeef);
        yield { type: 'ram-page', ...common, data };
      }
    }
    yield { type: 'ram-eos', addr: 0n };
    yield { type: 'section-end', sectionId: ram.sectionId, footer: true };
  }
  yield { type: 'section', kind: 'end', ...ram };
  for (let a = 0; a < BIOS; a += PAGE) {
    yield { type: 'ram-zero', block: 'pc.bios', addr: BigInt(a), continued: a !== 0, fill: 0 };
  }
  yield { type: 'ram-eos', addr: 0n };
  yield { type: 'section-end', sectionId: ram.sectionId, footer: true };
  yield { type: 'eof' };
}

/** The encoded stream in ~1 MiB chunks, made only when asked for. */
export function* syntheticChunks(o: SyntheticOptions): Generator<Uint8Array> {
  const enc = new StreamEncoder();
  for (const item of items(o)) {
    enc.write(item);
    if (enc.pending >= 1 << 20) yield enc.take();
  }
  yield enc.take();
}

/** The synthetic stream as a Node Readable (backpressure-driven: a chunk per read). */
export function syntheticStream(o: SyntheticOptions): Readable {
  return Readable.from(syntheticChunks(o), { objectMode: false, highWaterMark: 1 << 20 });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const mib = Number(process.argv[2] ?? '1024');
  const out = syntheticStream({ ramBytes: mib * 2 ** 20 });
  out.pipe(process.stdout);
  process.stdout.on('error', () => process.exit(0));
}
