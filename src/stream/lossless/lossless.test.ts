import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  array,
  bool,
  buffer,
  double,
  field,
  int8,
  int64,
  pointer,
  struct,
  timer,
  uint8,
  uint16,
  uint64,
  vmsd,
} from '../../describe/index.js';
import { MigrationError } from '../../errors/index.js';
import { analyzeStream } from '../analyze/analyze.js';
import { stateFromJson, stateToJson } from '../analyze/state-json.js';
import type { StreamItem } from '../read/items.js';
import { readStream } from '../read/reader.js';
import { encodeStream } from '../write/writer.js';
import { readLosslessDocument } from './document-reader.js';
import { itemsFromLossless, LOSSLESS_FORMAT, type LosslessDoc, losslessChunks } from './lossless.js';

const VECTORS = 'test/vectors/qemu-7.2';
/** Every stream under test/vectors (each QEMU version's). */
const streams = readdirSync('test/vectors', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.mig'))
  .sort();

async function losslessText(path: string): Promise<string> {
  const a = await analyzeStream(path, { lossless: true });
  const text = JSON.stringify(a.lossless, null, 1);
  expect([...losslessChunks(a.lossless as LosslessDoc)].join('')).toBe(`${text}\n`);
  // What the CLI writes as it reads (LosslessText: pages straight to text) is exactly this text.
  const pieces: string[] = [];
  await analyzeStream(path, { losslessTo: (piece) => void pieces.push(piece) });
  expect(pieces.join('')).toBe(`${text}\n`);
  return text;
}

const dir = mkdtempSync(join(tmpdir(), 'vmstate-lossless-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const assemble = (doc: unknown) => encodeStream(itemsFromLossless(doc), { pageSize: 4096 });

describe('lossless JSON → assemble reproduces every golden stream byte for byte', () => {
  it('finds the streams', () => expect(streams.length).toBeGreaterThanOrEqual(7));

  for (const name of streams) {
    it(name, async () => {
      const path = `test/vectors/${name}`;
      const text = await losslessText(path);
      expect(Buffer.from(assemble(JSON.parse(text))).equals(readFileSync(path))).toBe(true);
      // And read from a file, once, front to back (what `assemble` does).
      const file = join(dir, `${name.replace(/\W/g, '_')}.json`);
      writeFileSync(file, `${text}\n`);
      const items = readLosslessDocument(file, { reusePageBuffers: true }).items;
      expect(Buffer.from(encodeStream(items)).equals(readFileSync(path))).toBe(true);
    });
  }

  it('the piecewise text of an empty document is JSON.stringify too', () => {
    const empty: LosslessDoc = { format: LOSSLESS_FORMAT, pageSize: 4096, items: [] };
    expect([...losslessChunks(empty)].join('')).toBe(`${JSON.stringify(empty, null, 1)}\n`);
  });

  it('folds runs of zero pages (8273 records → a handful of items)', async () => {
    const doc = JSON.parse(await losslessText(`${VECTORS}/pc-paused.mig`)) as LosslessDoc;
    const zero = doc.items.filter((i) => 'zero' in i);
    expect(zero.length).toBeLessThan(60);
    expect(zero.reduce((n, i) => n + ((i.zero as { pages: number }).pages ?? 0), 0)).toBe(8273);
  });
});

describe('editing the JSON', () => {
  async function edit(f: (doc: LosslessDoc) => void): Promise<{ bytes: Uint8Array; items: StreamItem[] }> {
    const doc = JSON.parse(await losslessText(`${VECTORS}/i440fx-7.2.mig`)) as LosslessDoc;
    f(doc);
    const bytes = assemble(doc);
    const items: StreamItem[] = [];
    for await (const item of readStream(bytes)) items.push(item);
    return { bytes, items };
  }
  const deviceState = (items: StreamItem[], idstr: string) => {
    const i = items.findIndex((x) => x.type === 'section' && x.idstr === idstr);
    const d = items[i + 1];
    return d?.type === 'device' ? d.state : undefined;
  };
  const stateOf = (doc: LosslessDoc, idstr: string) => {
    const i = doc.items.findIndex((x) => (x.section as { idstr?: string } | undefined)?.idstr === idstr);
    const item = doc.items[i + 1] as { device: { state: Record<string, unknown> } };
    return item.device.state;
  };

  it('a changed register value lands in the stream, and nothing else changes', async () => {
    const original = readFileSync(`${VECTORS}/i440fx-7.2.mig`);
    const { bytes, items } = await edit((doc) => {
      const kbd = stateOf(doc, 'pckbd').kbd as Record<string, unknown>;
      kbd.mode = 0x43;
    });
    expect(deviceState(items, 'pckbd')?.kbd).toMatchObject({ mode: 0x43 });
    expect(bytes.length).toBe(original.length);
    const diff = [...bytes.keys()].filter((i) => bytes[i] !== original[i]);
    expect(diff).toHaveLength(1);
    expect(original[diff[0] as number]).toBe(0x03);
  });

  it('hex bytes and 64-bit values are edited as text', async () => {
    const { items } = await edit((doc) => {
      const rtc = stateOf(doc, 'mc146818rtc');
      const cmos = String(rtc.cmos_data).split(' ');
      cmos[0x40] = 'a5';
      rtc.cmos_data = cmos.join(' ');
      rtc.base_rtc = '0x1234';
    });
    const rtc = deviceState(items, 'mc146818rtc') as { cmos_data: Uint8Array; base_rtc: bigint };
    expect(rtc.cmos_data[0x40]).toBe(0xa5);
    expect(rtc.base_rtc).toBe(0x1234n);
  });

  it('dropping a subsection regenerates the vmdesc so it still describes the stream', async () => {
    const { items } = await edit((doc) => {
      delete (stateOf(doc, 'pckbd').kbd as Record<string, unknown>)['pckbd/extended_state'];
    });
    const vmdesc = items.at(-1);
    expect(vmdesc?.type).toBe('vmdesc');
    const entry =
      vmdesc?.type === 'vmdesc' ? vmdesc.vmdesc.devices.find((d) => d.name === 'pckbd') : undefined;
    expect(JSON.stringify(entry)).not.toContain('extended_state');
    expect(deviceState(items, 'pckbd')?.kbd).not.toHaveProperty('pckbd/extended_state');
  });

  it('a value that does not fit, or an unknown member, is a MigrationError naming the path', async () => {
    const e = await edit((doc) => {
      (stateOf(doc, 'pckbd').kbd as Record<string, unknown>).mode = 300;
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MigrationError);
    expect((e as MigrationError).code).toBe('invalid-value');
    const f = await edit((doc) => {
      (stateOf(doc, 'pckbd').kbd as Record<string, unknown>).mdoe = 1;
    }).catch((x: unknown) => x);
    expect((f as MigrationError).issues[0]?.path.slice(-2)).toEqual(['kbd', 'mdoe']);
  });

  it('a document that is not one is refused', () => {
    expect(() => [...itemsFromLossless({ format: 'x' })]).toThrow(MigrationError);
    expect(() => [
      ...itemsFromLossless({ format: 'vmstate-lossless/1', pageSize: 4096, items: [{ nope: {} }] }),
    ]).toThrow(MigrationError);
  });
});

describe('typed state as editable JSON', () => {
  const inner = vmsd('inner', { fields: [field('x', uint8)] });
  const d = vmsd('all', {
    fields: [
      field('u8', uint8),
      field('i8', int8),
      field('u16s', array(uint16, 2)),
      field('u64', uint64),
      field('i64', int64),
      field('t', timer),
      field('b', bool),
      field('f', double),
      field('buf', buffer(3)),
      field('s', struct(inner)),
      field('p', array(pointer(struct(inner)), 2)),
    ],
    subsections: (sub) => [sub('all/n', { fields: [field('y', uint8)], nestedKey: 'all/n' })],
  });
  const state = {
    u8: 255,
    i8: -3,
    u16s: [1, 65535],
    u64: 0xffff_ffff_ffff_ffffn,
    i64: -5n,
    t: -1n,
    b: true,
    f: 1.5,
    buf: Uint8Array.of(0, 0xab, 0xff),
    s: { x: 1 },
    p: [null, { x: 2 }],
    'all/n': { y: 7 },
  };

  it('round-trips every kind of value', () => {
    const json = stateToJson(d, state);
    expect(json).toEqual({
      u8: 255,
      i8: -3,
      u16s: [1, 65535],
      u64: '18446744073709551615',
      i64: '-5',
      t: '-1',
      b: true,
      f: 1.5,
      buf: '00 ab ff',
      s: { x: 1 },
      p: [null, { x: 2 }],
      'all/n': { y: 7 },
    });
    expect(stateFromJson(d, JSON.parse(JSON.stringify(json)))).toEqual(state);
    expect(stateFromJson(d, { ...json, u64: '0xffffffffffffffff', u8: '0xff' })).toEqual(state);
  });
});
