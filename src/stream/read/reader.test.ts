import { readFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeStream, StreamEncoder, writeStream } from '../write/writer.js';
import type { StreamItem } from './items.js';
import { readStream } from './reader.js';
import { ByteSource } from './source.js';
import { readTrailer } from './trailer.js';

const VECTORS = 'test/vectors/qemu-7.2';
const files = [
  'pc-paused.mig',
  'i440fx-7.2.mig',
  'q35-7.2.mig',
  'i440fx-2.3.mig',
  'i440fx-2.2.mig',
  'i440fx-7.2-slirp.mig',
] as const;

/** Collects items, copying page views (they are only valid until the iteration moves on). */
async function collect(it: AsyncIterable<StreamItem>): Promise<StreamItem[]> {
  const out: StreamItem[] = [];
  for await (const item of it)
    out.push(item.type === 'ram-page' ? { ...item, data: item.data.slice() } : item);
  return out;
}

function chunked(bytes: Uint8Array, size: number): Readable {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
  return Readable.from(chunks, { objectMode: true });
}

const count = (items: StreamItem[], type: StreamItem['type']) => items.filter((i) => i.type === type).length;

describe('every golden stream reads to the end and writes back byte for byte', () => {
  for (const name of files) {
    it(name, async () => {
      const path = `${VECTORS}/${name}`;
      const items = await collect(readStream(path));
      const original = readFileSync(path);
      expect(Buffer.from(encodeStream(items)).equals(original)).toBe(true);
      const trailer = await readTrailer(path);
      const devices = items.filter((i) => i.type === 'device' || i.type === 'opaque');
      if (name === 'i440fx-2.2.mig') {
        // No vmdesc: device sections are carried as opaque bytes, found without footers, except
        // QEMU's last two (acpi_build, globalstate), whose fixed layouts end the stream exactly.
        expect(trailer).toBeUndefined();
        const opaque = devices.filter((d) => d.type === 'opaque');
        expect(opaque.every((d) => d.boundary === 'heuristic')).toBe(true);
        expect(opaque).toHaveLength(26);
        expect(devices.filter((d) => d.type === 'device').map((d) => d.desc.name)).toEqual([
          'acpi_build',
          'globalstate',
        ]);
      } else {
        expect(devices).toHaveLength(trailer?.vmdesc?.devices.length ?? -1);
        // Only the open-coded slirp section is not VMState-decoded.
        expect(devices.filter((d) => d.type === 'opaque').map((d) => d.vmdesc?.name)).toEqual(
          name.includes('slirp') ? ['slirp'] : [],
        );
      }
      expect(count(items, 'configuration')).toBe(name.includes('-2.') ? 0 : 1);
      const ends = items.filter((i) => i.type === 'section-end');
      expect(ends.every((e) => e.type === 'section-end' && e.footer === !name.includes('-2.'))).toBe(true);
      expect(items.at(-1)?.type).toBe(name === 'i440fx-2.2.mig' ? 'eof' : 'vmdesc');
    });
  }

  it('decodes device state into typed values (pckbd of §8.7)', async () => {
    const items = await collect(readStream(`${VECTORS}/i440fx-7.2.mig`));
    const i = items.findIndex((x) => x.type === 'section' && x.idstr === 'pckbd');
    const dev = items[i + 1];
    expect(dev?.type).toBe('device');
    expect(dev?.type === 'device' && dev.state).toEqual({
      kbd: {
        write_cmd: 0,
        status: 0x18,
        mode: 3,
        pending_tmp: 0,
        'pckbd/extended_state': { migration_flags: 0, obsrc: 0, obdata: 0, cbdata: 0 },
      },
    });
  });
});

describe('streaming from a pipe', () => {
  const path = `${VECTORS}/i440fx-7.2.mig`;
  const bytes = new Uint8Array(readFileSync(path));

  it('gives the same items from 7-byte chunks as from the file (the vmdesc given up front)', async () => {
    const { vmdesc } = (await readTrailer(path)) ?? {};
    const fromFile = await collect(readStream(path));
    const fromPipe = await collect(readStream(chunked(bytes, 7), { vmdesc: vmdesc ?? 'none' }));
    expect(fromPipe.map((i) => i.type)).toEqual(fromFile.map((i) => i.type));
    expect(fromPipe.filter((i) => i.type === 'device').map((d) => d.type === 'device' && d.state)).toEqual(
      fromFile.filter((i) => i.type === 'device').map((d) => d.type === 'device' && d.state),
    );
    expect(Buffer.from(encodeStream(fromPipe)).equals(bytes)).toBe(true);
  });

  it('without a vmdesc (a pipe cannot seek to it) carries device sections as opaque bytes up to their footers', async () => {
    const items = await collect(readStream(chunked(bytes, 4093)));
    const opaque = items.filter((i) => i.type === 'opaque');
    expect(opaque).toHaveLength(30);
    expect(opaque.every((o) => o.type === 'opaque' && o.boundary === 'footer')).toBe(true);
    expect(items.at(-1)?.type).toBe('vmdesc');
    expect(Buffer.from(encodeStream(items)).equals(bytes)).toBe(true);
  });

  it('reads from a TCP socket', async () => {
    const server = createServer((c) => c.end(bytes));
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    const { port } = server.address() as AddressInfo;
    try {
      const items = await collect(readStream(connect(port, '127.0.0.1')));
      expect(items.filter((i) => i.type === 'ram-page')).toHaveLength(49);
      expect(Buffer.from(encodeStream(items)).equals(bytes)).toBe(true);
    } finally {
      server.close();
    }
  });

  it('reports progress as it goes, also inside long RAM sections', async () => {
    const offsets: number[] = [];
    for await (const _ of readStream(path, { onProgress: (o) => offsets.push(o) })) {
      /* drain */
    }
    expect(offsets.length).toBeGreaterThan(30);
    expect(offsets.every((o, i) => i === 0 || o >= (offsets[i - 1] as number))).toBe(true);
    expect(offsets.at(-1)).toBeLessThan(bytes.length);
  });

  it('writeStream writes to a Node Writable in chunks', async () => {
    const chunks: Uint8Array[] = [];
    const n = await writeStream(readStream(path), (c) => {
      chunks.push(c);
    });
    expect(n).toBe(bytes.length);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
  });
});

describe('memory does not grow with the stream', () => {
  it('a rolling window: 64 MiB through 64 KiB chunks never buffers more than two chunks', async () => {
    const chunk = new Uint8Array(65536);
    const total = 1024;
    function* source() {
      for (let i = 0; i < total; i++) yield chunk.slice();
    }
    const src = new ByteSource(source());
    let largest = 0;
    let read = 0;
    for (;;) {
      if (src.available < 4104 && !(await src.fill(4104))) break;
      src.pos += 4104; // one page record at a time, never aligned with the chunks
      read += 4104;
      largest = Math.max(largest, src.buf.length);
    }
    expect(read).toBe(Math.floor((total * 65536) / 4104) * 4104);
    expect(largest).toBeLessThanOrEqual(2 << 20);
  });

  it('a generated 256 MiB stream of pages streams through with the same memory as a small one', async () => {
    const pages = 65536;
    const blocks = [{ name: 'pc.ram', length: BigInt(pages * 4096) }];
    const page = new Uint8Array(4096).fill(0xa5);
    function* items(): Generator<StreamItem> {
      yield { type: 'header', version: 3 };
      yield { type: 'section', kind: 'start', sectionId: 1, idstr: 'ram', instanceId: 0, version: 4 };
      yield { type: 'ram-blocks', total: blocks[0]?.length ?? 0n, flags: 4, blocks };
      yield { type: 'ram-eos', addr: 0n };
      yield { type: 'section-end', sectionId: 1, footer: true };
      yield { type: 'section', kind: 'end', sectionId: 1, idstr: 'ram', instanceId: 0, version: 4 };
      for (let i = 0; i < pages; i++) {
        yield { type: 'ram-page', block: 'pc.ram', addr: BigInt(i * 4096), continued: i > 0, data: page };
      }
      yield { type: 'ram-eos', addr: 0n };
      yield { type: 'section-end', sectionId: 1, footer: true };
      yield { type: 'eof' };
    }
    // Bytes are produced lazily, chunk by chunk, and consumed as they come.
    async function* bytes() {
      const enc = new StreamEncoder();
      for (const item of items()) {
        enc.write(item);
        if (enc.pending > 1 << 20) yield enc.take();
      }
      yield enc.take();
    }
    const before = process.memoryUsage().arrayBuffers;
    let seen = 0;
    let peak = 0;
    for await (const item of readStream(bytes())) {
      if (item.type === 'ram-page') {
        seen++;
        if (seen % 4096 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
      }
    }
    expect(seen).toBe(pages);
    expect(peak).toBeLessThan(64 << 20);
  });
});
