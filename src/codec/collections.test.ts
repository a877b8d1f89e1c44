import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpreted, outcome } from '../../test/core/codegen.js';
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
  uint64,
  type Vmsd,
  vmsd,
} from '../describe/index.js';
import { annotate } from './annotate.js';
import { load, save, saveDescribed } from './codec.js';
import { toDumpVmstate } from './dump.js';

/**
 * The four descriptions of QEMU's tests/unit/test-vmstate.c that use lists and trees, and the
 * bytes QEMU writes for them, computed here from the format (spec §8.6), part by part.
 */
const hex = (...parts: string[]) => Uint8Array.from(Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex'));
const be64 = (n: number) => n.toString(16).padStart(16, '0');
const be32 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

const queueElement = vmsd('test/queue-element', {
  version: 1,
  minimumVersion: 1,
  fields: [field('b', bool), field('u8', uint8)],
});
const queue = vmsd('test/queue', {
  version: 1,
  minimumVersion: 1,
  fields: [
    field('i16', int16),
    field('q', qtailq(queueElement, { max: 16 }), { since: 1 }),
    field('i32', int32),
  ],
});
const queueState = {
  i16: -512,
  q: [
    { b: true, u8: 130 },
    { b: false, u8: 65 },
  ],
  i32: 70000,
};
const queueBytes = hex('fe00', '01', '01', '82', '01', '00', '41', '00', '00011170');

const interval = vmsd('interval', {
  version: 1,
  minimumVersion: 1,
  fields: [field('low', uint64), field('high', uint64)],
});
const mapping = vmsd('mapping', {
  version: 1,
  minimumVersion: 1,
  fields: [field('phys_addr', uint64), field('flags', uint32)],
});
const domain = vmsd('domain', {
  version: 1,
  minimumVersion: 1,
  fields: [
    field('id', int32),
    field('mappings', gtree({ key: interval, value: mapping, max: 1024 }), { since: 1 }),
  ],
});
const iommu = vmsd('iommu', {
  version: 1,
  minimumVersion: 1,
  fields: [
    field('id', int32),
    field('domains', gtree({ key: 'direct', value: domain, max: 1024 }), { since: 1 }),
  ],
});
const firstDomain = {
  id: 6,
  mappings: [
    { key: { low: 0x1000n, high: 0x1fffn }, value: { phys_addr: 0xa000n, flags: 1 } },
    { key: { low: 0x4000n, high: 0x4fffn }, value: { phys_addr: 0xe0000n, flags: 2 } },
  ],
};
const firstDomainBytes = hex(
  be32(6),
  be32(2),
  '01',
  be64(0x1000),
  be64(0x1fff),
  be64(0xa000),
  be32(1),
  '01',
  be64(0x4000),
  be64(0x4fff),
  be64(0xe0000),
  be32(2),
  '00',
);
const secondDomain = {
  id: 5,
  mappings: [{ key: { low: 0x1000000n, high: 0x1ffffffn }, value: { phys_addr: 0xf000000n, flags: 3 } }],
};
const iommuState = {
  id: 7,
  domains: [
    { key: 5n, value: secondDomain },
    { key: 6n, value: firstDomain },
  ],
};
const iommuBytes = hex(
  be32(7),
  be32(2),
  '01',
  be64(5),
  be32(5),
  be32(1),
  '01',
  be64(0x1000000),
  be64(0x1ffffff),
  be64(0xf000000),
  be32(3),
  '00',
  '01',
  be64(6),
  Buffer.from(firstDomainBytes).toString('hex'),
  '00',
);

const listElement = vmsd('test/queue list', { version: 1, minimumVersion: 1, fields: [field('id', uint32)] });
const container = vmsd('test/container/qlist', {
  version: 1,
  minimumVersion: 1,
  fields: [field('id', uint32), field('list', qlist(listElement, { max: 8 }), { since: 1 })],
});
const containerState = { id: 1, list: [{ id: 0x0a }, { id: 0x0b00 }, { id: 0x0c0000 }, { id: 0x0d000000 }] };
const containerBytes = hex(
  be32(1),
  '01',
  be32(0x0a),
  '01',
  be32(0x0b00),
  '01',
  be32(0x0c0000),
  '01',
  be32(0x0d000000),
  '00',
);

const VECTORS: { name: string; desc: Vmsd; state: unknown; bytes: Uint8Array }[] = [
  { name: 'qtailq (test_save_q / test_load_q)', desc: queue, state: queueState, bytes: queueBytes },
  {
    name: 'gtree, struct keys (test_gtree_*_domain)',
    desc: domain,
    state: firstDomain,
    bytes: firstDomainBytes,
  },
  {
    name: 'gtree, direct keys of nested trees (test_gtree_*_iommu)',
    desc: iommu,
    state: iommuState,
    bytes: iommuBytes,
  },
  { name: 'qlist (test_*_qlist)', desc: container, state: containerState, bytes: containerBytes },
];

describe("QEMU's test-vmstate.c list and tree vectors", () => {
  for (const v of VECTORS) {
    it(`${v.name}: the same bytes out, the same state back, generated and interpreted`, () => {
      for (const d of [v.desc, interpreted(v.desc)]) {
        expect(save(d, v.state as never)).toStrictEqual(v.bytes);
        expect(load(d, v.bytes)).toStrictEqual(v.state);
      }
    });
  }

  it('the vectors are the lengths QEMU writes', () => {
    // test-vmstate.c's arrays, without the QEMU_VM_EOF byte each appends.
    expect([
      queueBytes.length,
      firstDomainBytes.length,
      iommuBytes.length,
      containerBytes.length,
    ]).toStrictEqual([13, 67, 132, 25]);
  });
});

/** An element with a subsection and a version-gated field: what a real device's list holds. */
const request = vmsd('req', {
  version: 2,
  minimumVersion: 1,
  fields: [field('tag', uint32), field('len', uint8, { since: 2 })],
  subsections: (sub) => [sub('req/extra', { fields: [field('flags', uint8)], needed: (s) => s.flags !== 0 })],
});
const host = vmsd('host', {
  version: 2,
  fields: [
    field('reqs', qtailq(request, { max: 5 }), { since: 2 }),
    field('tree', gtree({ key: 'direct', value: request, max: 5 }), { since: 2 }),
  ],
});
const requestArb = fc.record({
  tag: fc.nat({ max: 0xffffffff }),
  len: fc.nat({ max: 255 }),
  flags: fc.nat({ max: 255 }),
});
const hostArb = fc
  .record({
    reqs: fc.array(requestArb, { maxLength: 5 }),
    tree: fc.array(
      fc.record({ key: fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }), value: requestArb }),
      {
        maxLength: 5,
      },
    ),
  })
  // fc.record builds null-prototype objects; a load builds plain ones.
  .map((s) => structuredClone(s));

describe('lists and trees round-trip', () => {
  it('save → load gives the state back, elements with subsections included, in both field loops', () => {
    const ref = interpreted(host);
    fc.assert(
      fc.property(hostArb, (state) => {
        const bytes = save(host, state);
        expect(save(ref, state)).toStrictEqual(bytes);
        expect(load(host, bytes)).toStrictEqual(state);
        expect(load(ref, bytes)).toStrictEqual(state);
      }),
      { numRuns: 200 },
    );
  });

  it('truncated or corrupted input fails the same way in both field loops, always as a MigrationError', () => {
    const ref = interpreted(host);
    fc.assert(
      fc.property(hostArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (state, at, xor) => {
        const bytes = save(host, state);
        const cut = bytes.subarray(0, at % bytes.length);
        expect(outcome(() => load(host, cut))).toStrictEqual(outcome(() => load(ref, cut)));
        expect(outcome(() => load(host, cut))).toMatchObject({ code: expect.any(String) });
        const flipped = bytes.slice();
        flipped[at % bytes.length] = (flipped[at % bytes.length] ?? 0) ^ xor;
        expect(outcome(() => load(host, flipped))).toStrictEqual(outcome(() => load(ref, flipped)));
      }),
      { numRuns: 200 },
    );
  });

  it('elements load at the field version, not their own (QEMU loads at the _V argument)', () => {
    // Saved at req's version 2 (len present); a field declared since 1 loads them at version 1.
    const old = vmsd('old', {
      version: 1,
      fields: [field('reqs', qtailq(request, { max: 5 }), { since: 1 })],
    });
    const bytes = hex('01', be32(9), '00');
    expect(load(old, bytes)).toStrictEqual({ reqs: [{ tag: 9, len: 0, flags: 0 }] });
  });
});

describe('hostile input', () => {
  const many = (n: number, element: string) => hex(...Array.from({ length: n }, () => `01${element}`), '00');

  it('a list longer than its max is refused at the marker of the first extra element', () => {
    const list = vmsd('l', {
      version: 1,
      fields: [field('q', qlist(listElement, { max: 5 }), { since: 1 })],
    });
    const input = many(6, be32(1));
    expect(outcome(() => load(list, input))).toStrictEqual({
      code: 'bound-exceeded',
      path: ['l', 'q'],
      offset: 25,
    });
  });

  it('a tree count above its max is refused before any node is read', () => {
    const d = vmsd('t', {
      version: 1,
      fields: [field('m', gtree({ key: 'direct', value: listElement, max: 4 }), { since: 1 })],
    });
    expect(outcome(() => load(d, hex('ffffffff')))).toStrictEqual({
      code: 'bound-exceeded',
      path: ['t', 'm'],
      offset: 0,
    });
    expect(outcome(() => load(d, hex(be32(5))))).toStrictEqual({
      code: 'bound-exceeded',
      path: ['t', 'm'],
      offset: 0,
    });
  });

  it('a tree with more or fewer nodes than its count is refused, as QEMU does', () => {
    const d = vmsd('t', {
      version: 1,
      fields: [field('m', gtree({ key: 'direct', value: listElement, max: 4 }), { since: 1 })],
    });
    const node = `01${be64(1)}${be32(2)}`;
    expect(load(d, hex(be32(1), node, '00'))).toStrictEqual({ m: [{ key: 1n, value: { id: 2 } }] });
    expect(outcome(() => load(d, hex(be32(1), node, node, '00')))).toStrictEqual({
      code: 'unexpected-byte',
      path: ['t', 'm'],
      offset: 17,
    });
    expect(outcome(() => load(d, hex(be32(2), node, '00')))).toStrictEqual({
      code: 'unexpected-byte',
      path: ['t', 'm'],
      offset: 17,
    });
  });

  it('an error inside an element names its index (and key or value) and offset', () => {
    expect(outcome(() => load(domain, firstDomainBytes.subarray(0, 30)))).toStrictEqual({
      code: 'truncated',
      path: ['domain', 'mappings', 0, 'value', 'phys_addr'],
      offset: 25,
    });
    expect(outcome(() => load(queue, queueBytes.subarray(0, 6)))).toStrictEqual({
      code: 'truncated',
      path: ['test/queue', 'q', 1, 'b'],
      offset: 6,
    });
  });

  it('element versions outside the element description are refused before reading, even for an empty list', () => {
    const tooOld = vmsd('x', { fields: [field('q', qtailq(queueElement, { max: 1 }))] });
    expect(outcome(() => load(tooOld, hex('00')))).toMatchObject({
      code: 'version-too-old',
      path: ['x', 'q'],
    });
    const tooNew = vmsd('y', {
      version: 3,
      fields: [field('q', qtailq(queueElement, { max: 1 }), { since: 3 })],
    });
    expect(outcome(() => load(tooNew, hex('00')))).toMatchObject({
      code: 'version-too-new',
      path: ['y', 'q'],
    });
  });

  it('any non-zero marker continues a list (QEMU tests the byte for non-zero)', () => {
    expect(load(container, hex(be32(1), '02', be32(3), 'ff', be32(4), '00'))).toStrictEqual({
      id: 1,
      list: [{ id: 3 }, { id: 4 }],
    });
  });

  it('bad values to save are invalid-value errors naming the element', () => {
    expect(outcome(() => save(container, { id: 1, list: 'x' } as never))).toMatchObject({
      code: 'invalid-value',
      path: ['test/container/qlist', 'list'],
    });
    expect(outcome(() => save(container, { id: 1, list: [{ id: 1 }, null] } as never))).toMatchObject({
      code: 'invalid-value',
      path: ['test/container/qlist', 'list', 1],
    });
    expect(
      outcome(() => save(iommu, { id: 1, domains: [{ key: -1n, value: firstDomain }] } as never)),
    ).toMatchObject({
      code: 'invalid-value',
      path: ['iommu', 'domains', 0, 'key'],
    });
    expect(outcome(() => save(iommu, { id: 1, domains: [{ value: firstDomain }] } as never))).toMatchObject({
      code: 'invalid-value',
      path: ['iommu', 'domains', 0],
    });
    const small = vmsd('s', {
      version: 1,
      fields: [field('q', qlist(listElement, { max: 1 }), { since: 1 })],
    });
    expect(outcome(() => save(small, { q: [{ id: 1 }, { id: 2 }] }))).toMatchObject({
      code: 'bound-exceeded',
    });
  });

  it('lists and trees are whole fields: no arrays or pointers of them, and bounds are declared', () => {
    expect(() => qtailq(listElement, { max: -1 })).toThrow(/max/);
    expect(() => gtree({ key: 'direct', value: listElement, max: 2 ** 31 })).toThrow(/max/);
  });
});

describe('lists and trees described as QEMU does', () => {
  it('the vmdesc entry is what JSON.parse makes of QEMU text with repeated keys', () => {
    const { vmdesc } = saveDescribed(host, {
      reqs: [
        { tag: 1, len: 2, flags: 3 },
        { tag: 4, len: 5, flags: 0 },
      ],
      tree: [],
    });
    // QEMU writes each element's vmsd members into the field object: keys repeat, and a parser
    // keeps each key where it first appeared with the value it last had.
    const fields = `"fields": [{"name": "tag", "type": "uint32", "size": 4}, {"name": "len", "type": "uint8", "size": 1}]`;
    const extra = `"subsections": [{"vmsd_name": "req/extra", "version": 0, "fields": [{"name": "flags", "type": "uint8", "size": 1}]}]`;
    const qemuText = `{"name": "reqs", "type": "qtailq", "vmsd_name": "req", "version": 2, ${fields}, ${extra}, "vmsd_name": "req", "version": 2, ${fields}, "size": 29}`;
    expect(vmdesc.fields[0]).toStrictEqual(JSON.parse(qemuText));
    expect(Object.keys(vmdesc.fields[0] ?? {})).toStrictEqual(Object.keys(JSON.parse(qemuText)));
    expect(vmdesc.fields[1]).toStrictEqual({ name: 'tree', type: 'gtree', size: 5 });
    expect(saveDescribed(container, { id: 1, list: [] }).vmdesc.fields[1]).toStrictEqual({
      name: 'list',
      type: 'qlist',
      size: 1,
    });
    const tree = saveDescribed(domain, firstDomain).vmdesc.fields[1];
    expect(tree).toMatchObject({ name: 'mappings', type: 'gtree', vmsd_name: 'mapping', size: 63 });
  });

  it('annotate labels markers, counts, keys and every element of what our save wrote', () => {
    const { vmdesc } = saveDescribed(iommu, iommuState);
    const labels = annotate(vmdesc);
    const covered = labels.reduce((n, a) => n + a.length, 0);
    expect(covered).toBe(iommuBytes.length);
    expect(labels.map((a) => a.label)).toContain('domains[1] › value › mappings[0] › key › high');
    expect(labels.find((a) => a.label === 'domains (node count)')).toMatchObject({ offset: 4, length: 4 });
    expect(labels.find((a) => a.label === 'domains[0] › key')).toMatchObject({
      offset: 9,
      length: 8,
      type: 'uint64',
    });
    expect(labels.at(-1)).toMatchObject({ label: 'domains (end)', offset: iommuBytes.length - 1, length: 1 });
    for (let i = 1; i < labels.length; i++) {
      const prev = labels[i - 1] as { offset: number; length: number };
      expect(labels[i]?.offset).toBe(prev.offset + prev.length);
    }
    // A QEMU vmdesc (no per-node record) gets one range per list.
    const parsed = JSON.parse(JSON.stringify(saveDescribed(queue, queueState).vmdesc));
    expect(annotate(parsed).find((a) => a.label === 'q')).toMatchObject({
      offset: 2,
      length: 7,
      type: 'qtailq',
    });
  });

  it('-dump-vmstate nests the element (a tree: its value) and reports its size', () => {
    expect(toDumpVmstate(queue).Fields?.[1]).toStrictEqual({
      field: 'q',
      version_id: 1,
      field_exists: false,
      size: 2,
      Description: {
        name: 'test/queue-element',
        version_id: 1,
        minimum_version_id: 1,
        Fields: expect.any(Array),
      },
    });
    expect(toDumpVmstate(domain).Fields?.[1]).toMatchObject({
      field: 'mappings',
      size: 12,
      Description: { name: 'mapping' },
    });
  });
});
