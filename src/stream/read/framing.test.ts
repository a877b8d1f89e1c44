import { describe, expect, it } from 'vitest';
import { array, field, uint8, uint16, uint32, uint64, vmsd } from '../../describe/index.js';
import { MigrationError } from '../../errors/index.js';
import { encodeStream } from '../write/writer.js';
import type { StreamItem } from './items.js';
import { descriptionLookup, readStream } from './reader.js';

// The made-up device of spec §15.
const mydev = vmsd('mydev', {
  version: 2,
  minimumVersion: 1,
  fields: [
    field('ctrl', uint8),
    field('count', uint16),
    field('base', uint32, { since: 2 }),
    field('regs', array(uint16, 2)),
  ],
  subsections: (sub) => [
    sub('mydev/extra', { version: 1, fields: [field('ts', uint64)], needed: (s) => s.ts !== 0n }),
  ],
});
const state = { ctrl: 0x12, count: 256, base: 0xdeadbeef, regs: [1, 2], ts: 12345n };
const descriptions = descriptionLookup([mydev]);

type Opts = Parameters<typeof readStream>[1];

async function collect(bytes: Uint8Array, options: Opts = { vmdesc: 'none' }): Promise<StreamItem[]> {
  const out: StreamItem[] = [];
  for await (const item of readStream(bytes, options)) out.push(item);
  return out;
}

async function rejection(bytes: Uint8Array, options: Opts = { vmdesc: 'none' }): Promise<MigrationError> {
  try {
    await collect(bytes, options);
  } catch (e) {
    if (e instanceof MigrationError) return e;
    throw e;
  }
  throw new Error('expected a MigrationError');
}

function deviceStream(footer = true, config = true): StreamItem[] {
  return [
    { type: 'header', version: 3 },
    ...(config ? [{ type: 'configuration' as const, machine: 'pc-i440fx-7.2', subsections: [] }] : []),
    { type: 'section', kind: 'full', sectionId: 5, idstr: 'mydev', instanceId: 0, version: 2 },
    { type: 'device', decodedBy: 'description', desc: mydev, state },
    { type: 'section-end', sectionId: 5, footer },
    { type: 'eof' },
  ];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const WORKED =
  '04000000050' +
  '56d796465760000000000000002120100deadbeef0001000205' +
  '0b6d796465762f6578747261000000010000000000003039' +
  '7e00000005';

describe('device sections with our own descriptions', () => {
  it('the spec §15 section inside a whole stream: typed state in, the same 60 bytes out', async () => {
    const bytes = encodeStream(deviceStream());
    expect(hex(bytes)).toContain(WORKED);
    const items = await collect(bytes, { descriptions, vmdesc: 'none' });
    const dev = items.find((i) => i.type === 'device');
    expect(dev).toMatchObject({ decodedBy: 'description', state, offset: 8 + 18 + 19 });
  });

  it('an edited value is re-encoded by the description', async () => {
    const items = await collect(encodeStream(deviceStream()), { descriptions, vmdesc: 'none' });
    const edited = items.map((i) => (i.type === 'device' ? { ...i, state: { ...i.state, ctrl: 0x34 } } : i));
    expect(hex(encodeStream(edited))).toContain(WORKED.replace('0002120100', '0002340100'));
  });

  it('without footers (machine types ≤ 2.3) the framing is detected and kept', async () => {
    const bytes = encodeStream(deviceStream(false, false));
    const items = await collect(bytes, { descriptions, vmdesc: 'none' });
    expect(items.find((i) => i.type === 'section-end')).toMatchObject({ footer: false });
    expect(hex(encodeStream(items))).toBe(hex(bytes));
    // With no description at all, a last section that ends at a 00 byte ending the input cannot
    // be told from a stream cut short inside it: refused, never called whole.
    expect((await rejection(bytes)).issues[0]).toMatchObject({
      code: 'truncated',
      path: ['mydev (0)'],
      message: expect.stringMatching(/without footers/),
    });
    // Followed by another section, its end is found heuristically.
    const items2 = deviceStream(false, false);
    const eofAt = items2.findIndex((i) => i.type === 'eof');
    const more = encodeStream([
      ...items2.slice(0, eofAt),
      { type: 'section', kind: 'full', sectionId: 9, idstr: 'acpi_build', instanceId: 0, version: 1 },
      { type: 'opaque', body: Uint8Array.of(1), boundary: 'given' },
      { type: 'section-end', sectionId: 9, footer: false },
      ...items2.slice(eofAt),
    ]);
    const opaque = await collect(more);
    expect(opaque.find((i) => i.type === 'opaque')).toMatchObject({ boundary: 'heuristic' });
    expect(hex(encodeStream(opaque))).toBe(hex(more));
  });

  it('a failing section load names the section, the subsection and the offset', async () => {
    const old = vmsd('mydev', { version: 2, minimumVersion: 1, fields: mydev.fields });
    const e = await rejection(encodeStream(deviceStream()), {
      descriptions: descriptionLookup([old]),
      vmdesc: 'none',
    });
    expect(e.issues[0]).toMatchObject({
      code: 'unknown-subsection',
      offset: 8 + 18 + 30,
      path: ['mydev (0)', 'mydev', 'mydev/extra'],
    });
  });
});

describe('commands (spec §12)', () => {
  it('PING, and a PACKAGED blob holding a nested item list, read and written back', async () => {
    const inner: StreamItem[] = [
      { type: 'section', kind: 'full', sectionId: 5, idstr: 'mydev', instanceId: 0, version: 2 },
      { type: 'device', decodedBy: 'description', desc: mydev, state },
      { type: 'section-end', sectionId: 5, footer: true },
      { type: 'command', cmd: 5, data: new Uint8Array(0) },
      { type: 'eof' },
    ];
    const innerBytes = encodeStream([{ type: 'header', version: 3 }, ...inner]).subarray(8);
    const size = Uint8Array.of(0, 0, innerBytes.length >> 8, innerBytes.length & 0xff);
    const items: StreamItem[] = [
      { type: 'header', version: 3 },
      { type: 'command', cmd: 1, data: new Uint8Array(0) },
      { type: 'command', cmd: 2, data: Uint8Array.of(0, 0, 0, 7) },
      { type: 'command', cmd: 7, data: size },
      ...inner,
      { type: 'packaged-end', rest: new Uint8Array(0) },
      { type: 'eof' },
    ];
    const bytes = encodeStream(items);
    const back = await collect(bytes, { descriptions, vmdesc: 'none' });
    expect(back.map((i) => i.type)).toEqual(items.map((i) => i.type));
    expect(hex(encodeStream(back))).toBe(hex(bytes));
  });

  it('refuses unknown commands and wrong fixed lengths', async () => {
    const bad = (cmd: number, len: number) =>
      Uint8Array.from([
        ...Buffer.from('5145564d00000003', 'hex'),
        8,
        cmd >> 8,
        cmd & 0xff,
        0,
        len,
        ...new Array(len).fill(0),
        0,
      ]);
    expect((await rejection(bad(0, 0))).issues[0]).toMatchObject({ code: 'unexpected-byte', offset: 9 });
    expect((await rejection(bad(12, 0))).issues[0]).toMatchObject({ code: 'unexpected-byte', offset: 9 });
    expect((await rejection(bad(2, 3))).issues[0]).toMatchObject({
      code: 'invalid-value',
      offset: 11,
      path: ['command PING'],
    });
    // SWITCHOVER_START (10.0+) is accepted: 08 00 0b 00 00.
    expect((await collect(bad(11, 0))).map((i) => i.type)).toEqual(['header', 'command', 'eof']);
  });
});

describe('framing errors', () => {
  const good = encodeStream(deviceStream());
  const mutate = (at: number, value: number) => {
    const b = good.slice();
    b[at] = value;
    return b;
  };
  const footerAt = good.length - 1 - 5;

  it('bad magic and version', async () => {
    expect((await rejection(mutate(0, 0))).issues[0]).toMatchObject({
      code: 'bad-header',
      offset: 0,
    });
    expect((await rejection(mutate(7, 2))).issues[0]).toMatchObject({
      code: 'bad-header',
      offset: 4,
    });
  });

  it('a footer naming another section, or no footer', async () => {
    const e = await rejection(mutate(footerAt + 4, 9), { descriptions, vmdesc: 'none' });
    expect(e.issues[0]).toMatchObject({ code: 'bad-footer', offset: footerAt + 1, path: ['mydev (0)'] });
    const f = await rejection(mutate(footerAt, 0x7d), { descriptions, vmdesc: 'none' });
    expect(f.issues[0]).toMatchObject({ code: 'bad-footer', offset: footerAt, path: ['mydev (0)'] });
  });

  it('an unknown section type, a PART with no START, no EOF, bytes after EOF', async () => {
    expect((await rejection(mutate(26, 0x09))).issues[0]).toMatchObject({
      code: 'unexpected-byte',
      offset: 26,
    });
    expect((await rejection(mutate(26, 0x02))).issues[0]).toMatchObject({
      code: 'unknown-section',
      offset: 26,
    });
    expect((await rejection(good.subarray(0, good.length - 1))).code).toBe('truncated');
    expect(
      (await rejection(Uint8Array.from([...good, 0x42]), { descriptions, vmdesc: 'none' })).issues[0],
    ).toMatchObject({
      code: 'trailing-bytes',
      offset: good.length,
    });
  });

  it('an unterminated vmdesc, and one that is not JSON', async () => {
    const json = Buffer.from('{"page_size": 4096, "devices": []}');
    const withDesc = (len: number, text: Uint8Array) =>
      Uint8Array.from([...good, 0x06, 0, 0, len >> 8, len & 0xff, ...text]);
    expect((await rejection(withDesc(json.length + 10, json))).issues[0]).toMatchObject({
      code: 'truncated',
      path: ['vmdesc'],
    });
    // Whole but not JSON: carried as it is, marked damaged (QEMU never reads it).
    const damaged = await collect(withDesc(3, Buffer.from('{x}')));
    expect(damaged.at(-1)).toMatchObject({
      type: 'vmdesc',
      text: '{x}',
      damaged: expect.stringMatching(/not JSON/),
    });
    const fine = await collect(withDesc(json.length, json));
    expect(fine.at(-1)).toMatchObject({ type: 'vmdesc', text: json.toString() });
  });

  it('every truncation of a stream is a MigrationError (never another exception, never a hang)', async () => {
    for (let cut = 0; cut < good.length; cut++) {
      const e = await rejection(good.subarray(0, cut), { descriptions, vmdesc: 'none' });
      expect(e.code).toBe('truncated');
    }
  });

  it('a configuration subsection QEMU does not know is refused', async () => {
    const b = Uint8Array.from([
      ...good.subarray(0, 26),
      0x05,
      0x13,
      ...Buffer.from('configuration/other'),
      0,
      0,
      0,
      1,
      ...good.subarray(26),
    ]);
    expect((await rejection(b)).issues[0]).toMatchObject({
      code: 'unknown-subsection',
      offset: 26,
      path: ['configuration', 'configuration/other'],
    });
  });
});
