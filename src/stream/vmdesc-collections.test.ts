import { describe, expect, it } from 'vitest';
import { load, save, saveDescribed, type VmdescBody } from '../codec/index.js';
import { bool, field, gtree, int16, int32, qlist, qtailq, uint8, uint32, vmsd } from '../describe/index.js';
import { analyzeStream } from './analyze.js';
import type { StreamItem } from './items.js';
import { itemsFromLossless } from './lossless.js';
import { readStream } from './reader.js';
import { stateFromJson, stateToJson } from './state-json.js';
import { fromVmdescBody } from './vmdesc.js';
import { encodeStream } from './writer.js';

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

  it('a fixed-layout qtailq decodes to its elements; a gtree (key layout not in the vmdesc) stays bytes', async () => {
    const items: StreamItem[] = [];
    for await (const item of readStream(stream())) items.push(item);
    const dev = items.find((i) => i.type === 'device');
    expect(dev).toMatchObject({ decodedBy: 'vmdesc' });
    const decoded = (dev as { state: Record<string, unknown> }).state;
    expect(decoded.q).toStrictEqual(state.q);
    expect(decoded.i32).toBe(70000);
    expect(decoded.m).toStrictEqual(Uint8Array.from(save(queue, state).subarray(13)));
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

  it('ambiguous lists stay bytes: empty, with subsections, or a size that is not n whole elements', () => {
    const body = (q: object): VmdescBody => ({
      vmsd_name: 'd',
      version: 1,
      fields: [{ name: 'q', type: 'qtailq', ...q } as VmdescBody['fields'][number]],
    });
    const inline = { vmsd_name: 'e', version: 1, fields: [{ name: 'x', type: 'uint32', size: 4 }] };
    const kindOf = (b: VmdescBody) => fromVmdescBody(b).fields[0]?.type.kind;
    expect(kindOf(body({ ...inline, size: 11 }))).toBe('queue');
    expect(kindOf(body({ size: 1 }))).toBe('buffer');
    expect(kindOf(body({ ...inline, size: 12 }))).toBe('buffer');
    const sub = { vmsd_name: 'e/s', version: 0, fields: [] };
    expect(kindOf(body({ ...inline, subsections: [sub], size: 11 }))).toBe('buffer');
  });

  it('a qlist built from a vmdesc round-trips its bytes', () => {
    const list = vmsd('c', { version: 1, fields: [field('l', qlist(mapping, { max: 8 }), { since: 1 })] });
    const s = { l: [{ flags: 1 }, { flags: 2 }, { flags: 3 }] };
    const { bytes, vmdesc } = saveDescribed(list, s);
    const desc = fromVmdescBody(JSON.parse(JSON.stringify(vmdesc)));
    const decoded = load(desc, bytes);
    expect(decoded).toStrictEqual(s);
    expect(save(desc, decoded)).toStrictEqual(bytes);
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
