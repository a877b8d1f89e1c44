import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { annotate, load, save, saveDescribed, type VmdescBody } from '../../codec/index.js';
import {
  bool,
  field,
  gtree,
  int16,
  int32,
  qlist,
  qtailq,
  uint8,
  uint32,
  vmsd,
} from '../../describe/index.js';
import { MigrationError } from '../../errors/index.js';
import { analyzeStream } from '../analyze/analyze.js';
import { stateFromJson, stateToJson } from '../analyze/state-json.js';
import { itemsFromLossless } from '../lossless/lossless.js';
import { encodeStream } from '../write/writer.js';
import type { StreamItem } from './items.js';
import { readStream } from './reader.js';
import { parseVmdesc } from './trailer.js';
import { fromVmdescBody } from './vmdesc.js';
import { parseVmdescKeepingElements } from './vmdesc-nodes.js';

// QEMU's test-vmstate.c queue: an int16, a qtailq of { bool, uint8 }, an int32.
const element = vmsd('test/queue-element', {
  version: 1,
  minimumVersion: 1,
  fields: [field('b', bool), field('u8', uint8)],
});
const mapping = vmsd('mapping', { version: 1, fields: [field('flags', uint32)] });
const queue = vmsd('test/queue', {
  version: 1,
  minimumVersion: 1,
  fields: [
    field('i16', int16),
    field('q', qtailq(element, { max: 16 }), { since: 1 }),
    field('i32', int32),
    field('m', gtree({ key: 'direct', value: mapping, max: 4 }), { since: 1 }),
  ],
});
const state = {
  i16: -512,
  q: [
    { b: true, u8: 130 },
    { b: false, u8: 65 },
  ],
  i32: 70000,
  m: [{ key: 3n, value: { flags: 9 } }],
};

/** The vmdesc text QEMU writes for this section: each element's members repeated in one object. */
const elementText =
  '"vmsd_name": "test/queue-element", "version": 1, "fields": [{"name": "b", "type": "bool", "size": 1}, {"name": "u8", "type": "uint8", "size": 1}]';
const mappingText =
  '"vmsd_name": "mapping", "version": 1, "fields": [{"name": "flags", "type": "uint32", "size": 4}]';
const vmdescText =
  '{"page_size": 4096, "devices": [{"name": "test/queue", "instance_id": 0, "vmsd_name": "test/queue", "version": 1, "fields": [' +
  '{"name": "i16", "type": "int16", "size": 2}, ' +
  `{"name": "q", "type": "qtailq", ${elementText}, ${elementText}, "size": 7}, ` +
  '{"name": "i32", "type": "int32", "size": 4}, ' +
  `{"name": "m", "type": "gtree", ${mappingText}, "size": 18}]}]}`;

function stream(): Uint8Array {
  const items: StreamItem[] = [
    { type: 'header', version: 3 },
    { type: 'configuration', machine: 'pc-i440fx-7.2', subsections: [] },
    { type: 'section', kind: 'full', sectionId: 1, idstr: 'test/queue', instanceId: 0, version: 1 },
    { type: 'device', decodedBy: 'description', desc: queue, state },
    { type: 'section-end', sectionId: 1, footer: true },
    { type: 'eof' },
    { type: 'vmdesc', text: vmdescText, vmdesc: JSON.parse(vmdescText) },
  ];
  return encodeStream(items);
}

describe('lists and trees from a stream’s own vmdesc', () => {
  it('our saver describes the section exactly as JSON.parse reads QEMU’s text', () => {
    const ours = saveDescribed(queue, state).vmdesc;
    const qemu = JSON.parse(vmdescText).devices[0];
    expect({ name: 'test/queue', instance_id: 0, ...ours }).toStrictEqual(qemu);
  });

  it('QEMU-style text with repeated keys: the qtailq and the direct-key gtree decode element by element', async () => {
    const items: StreamItem[] = [];
    for await (const item of readStream(stream())) items.push(item);
    const dev = items.find((i) => i.type === 'device');
    expect(dev).toMatchObject({ decodedBy: 'vmdesc' });
    const decoded = (dev as { state: Record<string, unknown> }).state;
    expect(decoded.q).toStrictEqual(state.q);
    expect(decoded.i32).toBe(70000);
    expect(decoded.m).toStrictEqual(state.m);
  });

  it('lossless JSON shows the list as objects and assembles the same bytes', async () => {
    const bytes = stream();
    const a = await analyzeStream(bytes, { lossless: true });
    const doc = JSON.parse(JSON.stringify(a.lossless));
    const device = doc.items.find((i: Record<string, unknown>) => 'device' in i).device;
    expect(device.state.q).toStrictEqual([
      { b: true, u8: 130 },
      { b: false, u8: 65 },
    ]);
    expect(Buffer.from(encodeStream(itemsFromLossless(doc))).equals(Buffer.from(bytes))).toBe(true);
  });

  it('entries that do not say what every element was stay bytes', () => {
    const field = (q: string) =>
      `{"vmsd_name": "d", "version": 1, "fields": [{"name": "q", "type": "qtailq", ${q}}]}`;
    const e = '"vmsd_name": "e", "version": 1, "fields": [{"name": "x", "type": "uint32", "size": 4}]';
    const kindOf = (text: string, parse: (t: string) => unknown) =>
      fromVmdescBody(parse(text) as VmdescBody).fields[0]?.type.kind;
    const keeping = (t: string) => parseVmdescKeepingElements(t, 0);
    // Two elements of 4 bytes, each with its marker, and the end marker: 11 bytes.
    expect(kindOf(field(`${e}, ${e}, "size": 11`), keeping)).toBe('queue');
    // Elements of one layout share one description (compiled once).
    const queue = fromVmdescBody(keeping(field(`${e}, ${e}, "size": 11`)) as VmdescBody).fields[0]?.type;
    const layouts = (queue as unknown as { layouts: readonly unknown[] }).layouts;
    expect(layouts).toHaveLength(2);
    expect(layouts[0]).toBe(layouts[1]);
    // JSON.parse kept only the last element: which layout the others had is unknown.
    expect(kindOf(field(`${e}, ${e}, "size": 11`), JSON.parse)).toBe('buffer');
    expect(kindOf(field('"size": 1'), keeping)).toBe('buffer');
    expect(kindOf(field(`${e}, ${e}, "size": 12`), keeping)).toBe('buffer');
  });

  it('a tree’s bodies are told apart by size: values only (direct keys) or key, value pairs', () => {
    const entry = (bodies: string[], size: number) =>
      parseVmdescKeepingElements(
        `{"vmsd_name": "d", "version": 1, "fields": [{"name": "t", "type": "gtree", ${bodies.join(', ')}, "size": ${size}}]}`,
        0,
      ) as VmdescBody;
    const k = '"vmsd_name": "k", "version": 1, "fields": [{"name": "lo", "type": "uint64", "size": 8}]';
    const v = '"vmsd_name": "v", "version": 1, "fields": [{"name": "x", "type": "uint32", "size": 4}]';
    // Struct keys: count, 2 × (marker, key 8, value 4), end.
    const paired = fromVmdescBody(entry([k, v, k, v], 4 + 2 * 13 + 1)).fields[0]?.type;
    expect(paired).toMatchObject({ kind: 'gtree', key: { name: 'k' }, value: { name: 'v' }, max: 2 });
    // Direct keys: count, 4 × (marker, be64, value), end.
    const direct = fromVmdescBody(entry([k, v, k, v], 4 + 4 * 9 + 2 * 8 + 2 * 4 + 1)).fields[0]?.type;
    expect(direct).toMatchObject({ kind: 'gtree', key: undefined, max: 4 });
    expect(fromVmdescBody(entry([k, v], 99)).fields[0]?.type.kind).toBe('buffer');
    // annotate labels nodes only where the sizes add up as it reads them (values after be64 keys).
    expect(annotate(entry([k, v, k, v], 4 + 2 * 13 + 1)).map((a) => a.label)).toStrictEqual(['t']);
    const labels = annotate(entry([v, v], 4 + 2 * (9 + 4) + 1)).map((a) => a.label);
    expect(labels).toStrictEqual([
      't (node count)',
      't[0] (next)',
      't[0] › key',
      't[0] › value › x',
      't[1] (next)',
      't[1] › key',
      't[1] › value › x',
      't (end)',
    ]);
  });

  it('lists and trees described by our own save decode again from that vmdesc, byte for byte', () => {
    const range = vmsd('range', { version: 1, fields: [field('lo', uint32), field('hi', uint32)] });
    const d = vmsd('c', {
      version: 1,
      fields: [
        field('l', qlist(mapping, { max: 8 }), { since: 1 }),
        field('t', gtree({ key: range, value: mapping, max: 8 }), { since: 1 }),
      ],
    });
    const s = {
      l: [{ flags: 1 }, { flags: 2 }, { flags: 3 }],
      t: [{ key: { lo: 1, hi: 2 }, value: { flags: 4 } }],
    };
    const { bytes, vmdesc } = saveDescribed(d, s);
    const desc = fromVmdescBody(vmdesc);
    expect(desc.fields.map((f) => f.type.kind)).toStrictEqual(['queue', 'gtree']);
    const decoded = load(desc, bytes);
    expect(decoded).toStrictEqual(s);
    expect(save(desc, decoded)).toStrictEqual(bytes);
  });

  it('every element body of a hostile vmdesc is checked against the limits, not only the last', () => {
    const e = (n: number) =>
      `"vmsd_name": "e", "version": 1, "fields": [{"name": "x", "array_len": ${n}, "type": "uint8", "size": 1}]`;
    const text = (first: string) =>
      `{"page_size": 4096, "devices": [{"name": "d", "instance_id": 0, "vmsd_name": "d", "version": 1, "fields": [{"name": "q", "type": "qtailq", ${first}, ${e(1)}, "size": 5}]}]}`;
    expect(() => parseVmdesc(text(e(1)), 100)).not.toThrow();
    expect(() => parseVmdesc(text(e(1e12)), 100)).toThrow(MigrationError);
    expect(() => parseVmdesc(text('"vmsd_name": "e", "version": 1, "fields": 7'), 100)).toThrow(/fields/);
  });

  it('the keeping parser reads any JSON exactly as JSON.parse does', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        expect(parseVmdescKeepingElements(text, 0)).toStrictEqual(JSON.parse(text));
        const spaced = JSON.stringify(v, null, 1);
        expect(parseVmdescKeepingElements(spaced, 0)).toStrictEqual(JSON.parse(spaced));
      }),
      { numRuns: 300 },
    );
    const dup = '{"a": 1, "b": 2, "a": 3, "__proto__": {"x": 1}}';
    expect(parseVmdescKeepingElements(dup, 0)).toStrictEqual(JSON.parse(dup));
    expect(Object.keys(parseVmdescKeepingElements(dup, 0) as object)).toStrictEqual(['a', 'b', '__proto__']);
    for (const bad of ['{', '{"a" 1}', '[1,]', '"x', '01', '{"a": 1} x', '[[[[', 'nul']) {
      expect(() => parseVmdescKeepingElements(bad, 7)).toThrow(MigrationError);
    }
    expect(() => parseVmdescKeepingElements('['.repeat(1000) + ']'.repeat(1000), 0)).toThrow(/deep/);
  });
});

describe('lists and trees as editable JSON', () => {
  it('lists are arrays of objects, trees arrays of { key, value } (a direct key as a decimal string)', () => {
    const json = stateToJson(queue, state);
    expect(json.q).toStrictEqual([
      { b: true, u8: 130 },
      { b: false, u8: 65 },
    ]);
    expect(json.m).toStrictEqual([{ key: '3', value: { flags: 9 } }]);
    expect(stateFromJson(queue, JSON.parse(JSON.stringify(json)))).toStrictEqual(state);
  });

  it('malformed list and tree JSON is an invalid-value error naming the place', () => {
    expect(() => stateFromJson(queue, { ...stateToJson(queue, state), q: 'x' })).toThrow(/array/);
    expect(() => stateFromJson(queue, { ...stateToJson(queue, state), m: [{ key: '1' }] })).toThrow(/key/);
  });
});

describe('a real QEMU 10.0 stream with a qtailq (uefi-vars-x64)', () => {
  const path = 'test/vectors/qemu-10.0/uefi-vars-i440fx-10.0.mig';
  /** A UEFI variable name: UTF-16LE with a terminating NUL. */
  const utf16 = (b: Uint8Array) => Buffer.from(b).toString('utf16le').replace(/\0$/, '');

  it('decodes every variable from the vmdesc and re-encodes the section byte for byte', async () => {
    let found = false;
    for await (const item of readStream(path)) {
      if (item.type !== 'device' || !('vmdesc' in item) || item.vmdesc?.name !== 'uefi-vars-sysbus') continue;
      found = true;
      const variables = (item.state.state as { variables: { name: Uint8Array; data: Uint8Array }[] })
        .variables;
      expect(variables.map((v) => utf16(v.name))).toStrictEqual([
        'BootOrder',
        'Timeout',
        'SetupMode',
        'SignatureSupport',
        'SecureBoot',
        'CustomMode',
        'VendorKeysNv',
        'VendorKeys',
      ]);
      expect(Array.from(variables[0]?.data ?? [])).toStrictEqual([0, 0, 1, 0]);
      const field = item.desc.fields[0]?.type;
      expect(field).toMatchObject({ kind: 'struct' });
      expect(save(item.desc, item.state as never)).toStrictEqual(item.body);
      // Described again, the entry is what JSON.parse made of QEMU's text (lossless keeps the text).
      const { name, instance_id, ...entry } = item.vmdesc as VmdescBody & {
        name: string;
        instance_id: number;
      };
      expect(saveDescribed(item.desc, item.state as never).vmdesc).toStrictEqual(
        JSON.parse(JSON.stringify(entry)),
      );
    }
    expect(found).toBe(true);
  });
});
