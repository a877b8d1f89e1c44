import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpreted, outcome } from '../../test/core/codegen.js';
import {
  type AnyElementType,
  array,
  bool,
  buffer,
  equal,
  type Field,
  field,
  int16,
  int32,
  struct,
  uint8,
  uint16,
  uint32,
  type Vmsd,
  vmsd,
  vstruct,
} from '../describe/index.js';
import { load, save } from './codec.js';
import { planOf } from './plan.js';

/**
 * Flat nested structs are written and read inline by the parent's generated code
 * (compiled-struct.ts). Every case compares with the same description whose parent is
 * interpreted: bytes, loaded states and errors (code, path, offset) must be identical.
 */

type Obj = Record<string, unknown>;

function same(desc: Vmsd, state: Obj, ref = interpreted(desc)): Uint8Array {
  const got = outcome(() => save(desc, state as never));
  expect(got).toStrictEqual(outcome(() => save(ref, state as never)));
  return 'ok' in got ? (got.ok as Uint8Array) : new Uint8Array(0);
}

function sameLoad(desc: Vmsd, bytes: Uint8Array, into?: Obj, ref = interpreted(desc)): void {
  const opts = into === undefined ? {} : { into: into as never };
  expect(outcome(() => load(desc, bytes, opts))).toStrictEqual(outcome(() => load(ref, bytes, opts)));
}

const drive = vmsd('fdrive', {
  version: 1,
  minimumVersion: 1,
  fields: [field('head', uint8), field('track', uint8), field('sect', uint8)],
  subsections: (sub) => [
    sub('fdrive/media_rate', { version: 1, minimumVersion: 1, fields: [field('media_rate', uint8)] }),
    sub('fdrive/extra', {
      version: 2,
      minimumVersion: 1,
      needed: (s: { extra: number }) => s.extra !== 0,
      fields: [field('extra', uint16, { default: 0 })],
    }),
  ],
});
const fdc = vmsd('fdc', {
  version: 1,
  minimumVersion: 1,
  fields: [field('n', equal(uint8), { default: 2 }), field('drives', array(struct(drive), 2))],
});
const good = {
  n: 2,
  drives: [
    { head: 1, track: 2, sect: 3, media_rate: 4, extra: 0 },
    { head: 5, track: 6, sect: 7, media_rate: 8, extra: 513 },
  ],
};

describe('flat nested structs in generated code', () => {
  it('are inlined for this shape (the tests below exercise the inline path)', () => {
    const write = planOf(fdc).writeFields.toString();
    expect(write).toContain('b[p + 4] = 17');
    expect(planOf(fdc).readFields.toString()).toContain('E[1].loadTarget()');
  });

  it('write the same bytes and load the same states', () => {
    const bytes = same(fdc, good);
    expect(Array.from(bytes.subarray(0, 5))).toStrictEqual([2, 1, 2, 3, 5]);
    expect(load(fdc, bytes)).toStrictEqual(good);
    sameLoad(fdc, bytes);
    sameLoad(fdc, bytes, structuredClone(good));
  });

  it('report bad values at the same place', () => {
    const bad: [number, string, unknown][] = [
      [0, 'head', 256],
      [1, 'sect', -1],
      [1, 'media_rate', 1.5],
      [0, 'extra', 65536],
      [1, 'extra', '2'],
    ];
    for (const [k, key, value] of bad) {
      const state = structuredClone(good);
      (state.drives[k] as Obj)[key] = value;
      same(fdc, state);
    }
    same(fdc, { ...good, drives: [good.drives[0], null] });
    same(fdc, { ...good, drives: [[], good.drives[1]] });
    same(fdc, { ...good, drives: [good.drives[0]] });
  });

  it('ask `needed` once per element on a successful save, and report a throwing one the same way', () => {
    let calls = 0;
    const counted = vmsd('c', {
      fields: [field('x', uint8)],
      subsections: (sub) => [
        sub('c/y', {
          fields: [field('y', uint8)],
          needed: () => {
            calls++;
            return true;
          },
        }),
      ],
    });
    const parent = vmsd('p', { fields: [field('s', array(struct(counted), 3))] });
    const s = { x: 1, y: 2 };
    save(parent, { s: [s, s, s] });
    expect(calls).toBe(3);
    const throwing = vmsd('t', {
      fields: [field('x', uint8)],
      subsections: (sub) => [
        sub('t/y', {
          fields: [field('y', uint8)],
          needed: () => {
            throw new Error('no');
          },
        }),
      ],
    });
    same(vmsd('p', { fields: [field('s', struct(throwing))] }), { s });
  });

  it('load out-of-order, unknown, other-version and repeated subsections as the interpreter does', () => {
    const bytes = save(fdc, good);
    // Drive 1: fields at 30, media_rate subsection (marker at 33, 25 bytes), extra subsection after it.
    const first = 1 + 3 + 25;
    const d1 = first + 3;
    const media = bytes.slice(d1, d1 + 25);
    const extra = bytes.slice(d1 + 25);
    const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((x) => Array.from(x)));
    const head = bytes.slice(0, d1);
    sameLoad(fdc, cat(head, extra, media));
    sameLoad(fdc, cat(head, media, media, extra));
    const v1 = extra.slice();
    v1[1 + 1 + 'fdrive/extra'.length + 3] = 1; // version 1 (accepted, not the inline one)
    sameLoad(fdc, cat(head, media, v1));
    const v3 = extra.slice();
    v3[1 + 1 + 'fdrive/extra'.length + 3] = 3;
    sameLoad(fdc, cat(head, media, v3));
    const unknown = media.slice();
    unknown[2 + 'fdrive/'.length] = 'x'.charCodeAt(0);
    sameLoad(fdc, cat(head, unknown));
    sameLoad(fdc, cat(head, media, Uint8Array.of(5)));
    const wrongN = bytes.slice();
    wrongN[0] = 3;
    sameLoad(fdc, wrongN);
  });

  it('load the same at every truncation and byte flip', () => {
    const bytes = save(fdc, good);
    const ref = interpreted(fdc);
    for (let cut = 0; cut < bytes.length; cut++) sameLoad(fdc, bytes.subarray(0, cut), undefined, ref);
    for (let at = 0; at < bytes.length; at++) {
      for (const x of [1, 0x80, 0xff]) {
        const flipped = bytes.slice();
        flipped[at] = (flipped[at] as number) ^ x;
        sameLoad(fdc, flipped, undefined, ref);
      }
    }
  });

  it('a vstruct is loaded at its struct version', () => {
    const inner = vmsd('inner', {
      version: 3,
      minimumVersion: 1,
      fields: [field('a', uint8), field('b', uint8, { since: 3 })],
    });
    const p = vmsd('p', { fields: [field('s', vstruct(inner, 2)), field('t', vstruct(inner, 4))] });
    const bytes = same(p, { s: { a: 1, b: 2 }, t: { a: 3, b: 4 } });
    sameLoad(p, bytes);
    sameLoad(p, bytes.subarray(0, 2));
  });
});

/** Random flat descriptions: fixed-width fields (some `equal`, some later versions), subsections. */
const scalar = fc.constantFrom<[AnyElementType, fc.Arbitrary<unknown>]>(
  [uint8, fc.integer({ min: 0, max: 255 })],
  [uint16, fc.integer({ min: 0, max: 0xffff })],
  [uint32, fc.integer({ min: 0, max: 0xffffffff })],
  [int16, fc.integer({ min: -0x8000, max: 0x7fff })],
  [int32, fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })],
  [bool, fc.boolean()],
  [buffer(3), fc.uint8Array({ minLength: 3, maxLength: 3 })],
);

interface Part {
  fields: Field[];
  values: [string, fc.Arbitrary<unknown>][];
}

function partGen(prefix: string): fc.Arbitrary<Part> {
  return fc
    .array(fc.tuple(scalar, fc.integer({ min: 0, max: 2 }), fc.boolean()), { maxLength: 4 })
    .map((specs) => {
      const part: Part = { fields: [], values: [] };
      specs.forEach(([[type, value], since, eq], k) => {
        const key = `${prefix}${k}`;
        const isEqual = eq && type === uint8;
        part.fields.push(
          field(key, isEqual ? equal(uint8) : type, { since, ...(isEqual ? { default: 7 } : {}) }),
        );
        part.values.push([key, isEqual ? fc.constant(7) : value]);
      });
      return part;
    });
}

const flatCase = fc
  .tuple(partGen('f'), partGen('a'), partGen('b'), fc.nat(2), fc.boolean(), fc.boolean(), fc.nat(3))
  .chain(([main, a, b, subCount, gateA, gateB, elements]) => {
    const subs = [
      { p: a, gated: gateA, name: 'a' },
      { p: b, gated: gateB, name: 'b' },
    ].slice(0, subCount);
    const inner = vmsd('inner', {
      version: 2,
      minimumVersion: 0,
      fields: main.fields,
      subsections: (sub) =>
        subs.map(({ p, gated, name }) =>
          sub(`inner/${name}`, {
            version: 1,
            fields: p.fields,
            ...(gated ? { needed: (st: Obj) => st[`gate_${name}`] !== false } : {}),
          }),
        ),
    });
    const outer = vmsd('outer', {
      fields: [field('x', uint8), field('items', array(struct(inner), elements))],
    });
    const members = [
      ...main.values,
      ...subs.flatMap(({ p }) => p.values),
      ...subs.map(({ name }): [string, fc.Arbitrary<unknown>] => [`gate_${name}`, fc.boolean()]),
    ];
    const element = fc.record(Object.fromEntries(members)) as fc.Arbitrary<Obj>;
    return fc.record({
      desc: fc.constant(outer as Vmsd),
      state: fc
        .array(element, { minLength: elements, maxLength: elements })
        .map((items) => ({ x: 1, items })),
    });
  });

describe('random flat structs', () => {
  it('same bytes, states and errors as the interpreter, on good, truncated and flipped input', () => {
    fc.assert(
      fc.property(flatCase, fc.nat(), fc.integer({ min: 1, max: 255 }), ({ desc, state }, at, xor) => {
        const ref = interpreted(desc);
        const bytes = same(desc, state, ref);
        sameLoad(desc, bytes, undefined, ref);
        sameLoad(desc, bytes, structuredClone(state), ref);
        if (bytes.length === 0) return;
        sameLoad(desc, bytes.subarray(0, at % bytes.length), undefined, ref);
        const flipped = bytes.slice();
        flipped[at % bytes.length] = (flipped[at % bytes.length] as number) ^ xor;
        sameLoad(desc, flipped, undefined, ref);
      }),
      { numRuns: 300 },
    );
  });
});

describe('equal fields inside a run of fixed-width fields', () => {
  it('load and refuse as the interpreter does, at the same offset', () => {
    const d = vmsd('t', {
      fields: [field('a', uint8), field('n', equal(uint16), { default: 0x102 }), field('b', uint32)],
    });
    expect(planOf(d).readFields.toString()).toContain('if (v !== obj["n"])');
    const ref = interpreted(d);
    const bytes = save(d, { a: 1, n: 0x102, b: 7 });
    sameLoad(d, bytes, undefined, ref);
    const wrong = bytes.slice();
    wrong[2] = 3;
    expect(outcome(() => load(d, wrong))).toMatchObject({ code: 'not-equal', path: ['t', 'n'], offset: 1 });
    sameLoad(d, wrong, undefined, ref);
    sameLoad(d, bytes, { a: 0, n: 0x103, b: 0 }, ref);
    same(d, { a: 1, n: 0x10000, b: 7 }, ref);
  });
});
