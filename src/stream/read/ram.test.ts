import { describe, expect, it } from 'vitest';
import { MigrationError } from '../../errors/index.js';
import { encodeStream } from '../write/writer.js';
import type { ConfigurationItem, StreamItem } from './items.js';
import { readStream } from './reader.js';

async function collect(bytes: Uint8Array): Promise<StreamItem[]> {
  const out: StreamItem[] = [];
  for await (const item of readStream(bytes, { vmdesc: 'none' })) {
    const { offset: _o, ...rest } = item;
    if (item.type === 'header') out.push({ type: 'header', version: item.version });
    else out.push((item.type === 'ram-page' ? { ...rest, data: item.data.slice() } : rest) as StreamItem);
  }
  return out;
}

async function rejection(bytes: Uint8Array): Promise<MigrationError> {
  try {
    await collect(bytes);
  } catch (e) {
    if (e instanceof MigrationError) return e;
    throw e;
  }
  throw new Error('expected a MigrationError');
}

const ram = { idstr: 'ram', instanceId: 0, version: 4 } as const;
const page = (b: number) => new Uint8Array(4096).fill(b);

/** A stream with RAM sections holding `records` (in an END section after a START with the blocks). */
function stream(
  records: StreamItem[],
  config?: ConfigurationItem,
  blocksExtra?: Partial<{ mrAddr: bigint }>,
): StreamItem[] {
  return [
    { type: 'header', version: 3 },
    ...(config ? [config] : []),
    { type: 'section', kind: 'start', sectionId: 2, ...ram },
    {
      type: 'ram-blocks',
      total: 0x3000n,
      flags: 0x04,
      blocks: [
        { name: 'pc.ram', length: 0x2000n, ...blocksExtra },
        { name: 'vga', length: 0x1000n, ...blocksExtra },
      ],
    },
    { type: 'ram-eos', addr: 0n },
    { type: 'section-end', sectionId: 2, footer: true },
    { type: 'section', kind: 'end', sectionId: 2, ...ram },
    ...records,
    { type: 'ram-eos', addr: 0n },
    { type: 'section-end', sectionId: 2, footer: true },
    { type: 'eof' },
  ];
}

describe('RAM records (spec §11)', () => {
  it('block list, ZERO, PAGE, CONTINUE, multi-block: read back as written, byte for byte', async () => {
    const items = stream([
      { type: 'ram-zero', block: 'pc.ram', addr: 0n, continued: false, fill: 0 },
      { type: 'ram-page', block: 'pc.ram', addr: 0x1000n, continued: true, data: page(7) },
      { type: 'ram-page', block: 'vga', addr: 0n, continued: false, data: page(9) },
      { type: 'ram-flush', addr: 0n },
    ]);
    const bytes = encodeStream(items);
    const back = await collect(bytes);
    expect(back).toEqual(items);
    expect(Buffer.from(encodeStream(back)).equals(Buffer.from(bytes))).toBe(true);
    // CONTINUE leaves the block name out: 8 (header) + 1 (fill) for the second zero-page form.
    const zero = Buffer.from(bytes).indexOf(Buffer.from('0000000000000002067063', 'hex'));
    expect(zero).toBeGreaterThan(0);
  });

  it('CONTINUE is stream-wide: a PART may continue the block named in an earlier section', async () => {
    const items: StreamItem[] = [
      ...stream([{ type: 'ram-zero', block: 'vga', addr: 0n, continued: false, fill: 0 }]).slice(0, -1),
      { type: 'section', kind: 'part', sectionId: 2, ...ram },
      { type: 'ram-zero', block: 'vga', addr: 0n, continued: true, fill: 0 },
      { type: 'ram-eos', addr: 0n },
      { type: 'section-end', sectionId: 2, footer: true },
      { type: 'eof' },
    ];
    expect(await collect(encodeStream(items))).toEqual(items);
  });

  it('with x-ignore-shared every block carries its guest address (be64 mr_addr)', async () => {
    const config: ConfigurationItem = {
      type: 'configuration',
      machine: 'pc-i440fx-7.2',
      subsections: [
        { name: 'configuration/capabilities', version: 1, capabilities: ['x-ignore-shared'] },
        { name: 'configuration/uuid', version: 1, uuid: Uint8Array.from({ length: 16 }, (_, i) => i) },
      ],
    };
    const items = stream([], config, { mrAddr: 0xfffc0000n });
    const bytes = encodeStream(items);
    expect(await collect(bytes)).toEqual(items);
    // The configuration bytes of spec §5 ("Real bytes with x-ignore-shared and validate-uuid on").
    const ascii = (t: string) => Buffer.from(t).toString('hex');
    const expected = [
      '07',
      '0000000d',
      ascii('pc-i440fx-7.2'),
      '05',
      '1a',
      ascii('configuration/capabilities'),
      '00000001',
      '00000001',
      '0f',
      ascii('x-ignore-shared'),
      '05',
      '12',
      ascii('configuration/uuid'),
      '00000001',
      '000102030405060708090a0b0c0d0e0f',
      '01', // the RAM START follows
    ].join('');
    expect(Buffer.from(bytes.subarray(8, 8 + expected.length / 2)).toString('hex')).toBe(expected);
  });

  const flagCases = [
    [0x040, 'XBZRLE'],
    [0x100, 'COMPRESS_PAGE'],
    [0x080, 'HOOK'],
  ] as const;
  for (const [flag, name] of flagCases) {
    it(`${name} pages are refused as unsupported, naming the flag, the offset and the section`, async () => {
      const bytes = encodeStream(
        stream([{ type: 'ram-zero', block: 'pc.ram', addr: 0n, continued: false, fill: 0 }]),
      );
      const at = Buffer.from(bytes).indexOf(Buffer.from('0000000000000002067063', 'hex'));
      bytes[at + 7] = flag & 0xff;
      bytes[at + 6] = flag >> 8;
      const e = await rejection(bytes);
      expect(e.issues[0]).toMatchObject({
        code: 'unsupported',
        offset: at,
        path: ['ram (0)'],
        details: { flag: name },
      });
    });
  }

  it('refuses unknown flags, a CONTINUE before any block, unknown blocks and pages outside their block', async () => {
    const base = encodeStream(
      stream([{ type: 'ram-zero', block: 'pc.ram', addr: 0n, continued: false, fill: 0 }]),
    );
    const at = Buffer.from(base).indexOf(Buffer.from('0000000000000002067063', 'hex'));
    const mutate = (f: (b: Uint8Array) => void) => {
      const b = base.slice();
      f(b);
      return b;
    };
    expect((await rejection(mutate((b) => (b[at + 7] = 0x0a)))).issues[0]).toMatchObject({
      code: 'unexpected-byte',
      offset: at,
    });
    expect((await rejection(mutate((b) => (b[at + 7] = 0x22)))).issues[0]).toMatchObject({
      code: 'unexpected-byte',
      offset: at,
      path: ['ram (0)'],
    });
    expect((await rejection(mutate((b) => (b[at + 10] = 0x78)))).issues[0]).toMatchObject({
      code: 'invalid-value',
      offset: at + 8,
      path: ['ram (0)', 'px.ram'],
    });
    // Page 0x2000 of a 0x2000-byte block.
    expect((await rejection(mutate((b) => (b[at + 6] = 0x20)))).issues[0]).toMatchObject({
      code: 'invalid-value',
      offset: at,
      path: ['ram (0)', 'pc.ram'],
    });
  });

  it('a block list claiming 2^40 bytes ends in a MigrationError, not an allocation', async () => {
    const bytes = encodeStream(stream([]));
    const at = Buffer.from(bytes).indexOf(Buffer.from('0000000000003004', 'hex'));
    bytes.set(Buffer.from('0000010000000004', 'hex'), at);
    const e = await rejection(bytes);
    expect(e.issues[0]?.path[0]).toBe('ram (0)');
    // A declared bound: this small input cannot hold that much RAM (every page is sent).
    expect(e.code).toBe('bound-exceeded');
    expect(e.issues[0]?.offset).toBeGreaterThanOrEqual(at - 8);
  });

  it('block lengths adding up to more than the total are refused', async () => {
    const bytes = encodeStream(stream([]));
    const at = Buffer.from(bytes).indexOf(Buffer.from('0000000000003004', 'hex'));
    bytes.set(Buffer.from('0000000000001004', 'hex'), at);
    expect((await rejection(bytes)).issues[0]).toMatchObject({
      code: 'invalid-value',
      path: ['ram (0)', 'pc.ram'],
    });
  });

  it('a RAM section of another version is unsupported', async () => {
    const bytes = encodeStream(stream([]));
    const at = Buffer.from(bytes).indexOf(Buffer.from('0372616d0000000000000004', 'hex'));
    bytes[at + 11] = 5;
    expect((await rejection(bytes)).issues[0]).toMatchObject({ code: 'unsupported', path: ['ram (0)'] });
  });
});
