import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { array, buffer, field, struct, uint8, uint16, validate, varray, vmsd } from '../describe/index.js';
import { MigrationError } from '../errors/index.js';
import { initial, load, save } from './codec.js';

/**
 * The shortcuts of the hot path (members left unbuilt before a load, bulk byte arrays, the reused
 * save writer) must be invisible: same results, same errors with the same path and offset.
 * `toStrictEqual` throughout, since a member left `undefined` would pass `toEqual`.
 */
const bytes = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

function thrown(f: () => unknown): MigrationError {
  try {
    f();
  } catch (e) {
    if (e instanceof MigrationError) return e;
    throw e;
  }
  throw new Error('expected a MigrationError');
}

describe('members a load overwrites are not built first', () => {
  it('a count read from a member that comes later sees that member’s default', () => {
    const d = vmsd('t', {
      fields: [field('v', varray(uint8, { count: 'n', max: 4 })), field('n', uint8, { default: 2 })],
    });
    expect(load(d, bytes('0a0b 07'))).toStrictEqual({ v: [10, 11], n: 7 });
  });

  it('a count naming its own field sees the default (no undefined leaks in)', () => {
    const d = vmsd('t', { fields: [field('n', varray(uint8, { count: 'n', max: 4 }), { default: [] })] });
    expect(thrown(() => load(d, bytes(''))).issues[0]).toMatchObject({
      code: 'invalid-value',
      path: ['t', 'n'],
    });
  });

  it('existsIf and validators may read members of later fields: they see defaults', () => {
    const seen: unknown[] = [];
    const d = vmsd('t', {
      fields: [
        field('a', uint8, {
          existsIf: (s) => {
            seen.push(s.b);
            return true;
          },
        }),
        validate('b-is-default', (s) => {
          seen.push(s.b);
          return s.b === 5;
        }),
        field('b', uint8, { default: 5 }),
      ],
    });
    expect(load(d, bytes('01 02'))).toStrictEqual({ a: 1, b: 2 });
    expect(seen).toStrictEqual([5, 5]);
  });

  it('a count function with a parameter sees its array built; a parameterless one cannot look', () => {
    const seen: unknown[] = [];
    const looking = vmsd('t', {
      fields: [
        field(
          'v',
          varray(uint8, {
            count: (s: { v: number[] }) => {
              seen.push([...s.v]);
              return 2;
            },
            max: 2,
          }),
        ),
      ],
    });
    expect(load(looking, bytes('0102'))).toStrictEqual({ v: [1, 2] });
    // The last call is the load's own, after the receiver's array was sized.
    expect(seen.at(-1)).toStrictEqual([0, 0]);
    const blind = vmsd('t', { fields: [field('v', varray(uint8, { count: () => 3, max: 3 }))] });
    expect(initial(blind)).toStrictEqual({ v: [0, 0, 0] });
    expect(load(blind, bytes('010203'))).toStrictEqual({ v: [1, 2, 3] });
  });

  it('a preLoad hook sees the whole initial state', () => {
    let before: unknown;
    const d = vmsd('t', {
      fields: [field('a', uint8, { default: 3 }), field('r', array(uint8, 2))],
      preLoad: (s) => {
        before = structuredClone(s);
      },
    });
    expect(load(d, bytes('01 0203'))).toStrictEqual({ a: 1, r: [2, 3] });
    expect(before).toStrictEqual({ a: 3, r: [0, 0] });
  });

  it('fields absent at the stream version keep their defaults; nested structs are complete', () => {
    const inner = vmsd('inner', { fields: [field('x', uint8), field('y', uint8, { since: 9 })] });
    const d = vmsd('t', {
      version: 3,
      minimumVersion: 1,
      fields: [field('a', uint8), field('b', uint16, { since: 3, default: 4 }), field('s', struct(inner))],
    });
    for (let i = 0; i < 3; i++) {
      expect(load(d, bytes('01 07'), { version: 2 })).toStrictEqual({ a: 1, b: 4, s: { x: 7, y: 0 } });
      expect(load(d, bytes('01 0009 07'))).toStrictEqual({ a: 1, b: 9, s: { x: 7, y: 0 } });
    }
  });

  it('loads are independent objects (templates are copied, not shared)', () => {
    const d = vmsd('t', { fields: [field('a', uint8), field('b', buffer(2))] });
    const x = load(d, bytes('01 0203'));
    const y = load(d, bytes('04 0506'));
    expect(x).toStrictEqual({ a: 1, b: Uint8Array.of(2, 3) });
    expect(y).toStrictEqual({ a: 4, b: Uint8Array.of(5, 6) });
    expect(initial(d)).toStrictEqual({ a: 0, b: new Uint8Array(2) });
  });
});

describe('bulk byte arrays', () => {
  const d = vmsd('t', { fields: [field('h', uint8), field('r', array(uint8, 4))] });

  it('a short input fails at the first missing element, as element by element', () => {
    expect(thrown(() => load(d, bytes('01 0203'))).issues[0]).toMatchObject({
      code: 'truncated',
      path: ['t', 'r', 2],
      offset: 3,
    });
  });

  it('a bad value fails at its index', () => {
    for (const bad of [256, -1, 1.5, Number.NaN, '1', undefined]) {
      expect(thrown(() => save(d, { h: 0, r: [1, 2, bad as number, 4] })).issues[0]).toMatchObject({
        code: 'invalid-value',
        path: ['t', 'r', 2],
      });
    }
  });

  it('a counted byte array (varray) fails where element by element would', () => {
    const v = vmsd('t', {
      fields: [field('n', uint8), field('r', varray(uint8, { count: 'n', max: 4 }))],
    });
    expect(thrown(() => load(v, bytes('03 0102'))).issues[0]).toMatchObject({
      code: 'truncated',
      path: ['t', 'r', 2],
      offset: 3,
    });
    expect(thrown(() => load(v, bytes('05 0102030405'))).issues[0]).toMatchObject({
      code: 'bound-exceeded',
      path: ['t', 'r'],
      offset: 1,
    });
    expect(thrown(() => save(v, { n: 3, r: [1, 2, 256] })).issues[0]).toMatchObject({
      code: 'invalid-value',
      path: ['t', 'r', 2],
    });
    expect(thrown(() => save(v, { n: 3, r: [1, 2] })).issues[0]).toMatchObject({
      code: 'invalid-value',
      path: ['t', 'r'],
    });
    expect(Array.from(save(v, { n: 2, r: [7, 8] }))).toStrictEqual([2, 7, 8]);
  });

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), (r) => {
        const wire = save(d, { h: 9, r });
        expect(Array.from(wire)).toStrictEqual([9, ...r]);
        expect(load(d, wire)).toStrictEqual({ h: 9, r });
      }),
    );
  });
});

describe('the reused save writer', () => {
  it('a save from inside a hook gets its own writer', () => {
    const other = vmsd('other', { fields: [field('z', uint16)] });
    let inner: Uint8Array | undefined;
    const d = vmsd('t', {
      fields: [field('a', uint8)],
      preSave: () => {
        inner = save(other, { z: 0x0102 });
      },
    });
    expect(Array.from(save(d, { a: 7 }))).toStrictEqual([7]);
    expect(Array.from(inner ?? [])).toStrictEqual([1, 2]);
  });

  it('results are copies, and a failed save does not disturb the next', () => {
    const d = vmsd('t', { fields: [field('a', uint8), field('b', buffer(100_000))] });
    const first = save(d, { a: 1, b: new Uint8Array(100_000).fill(3) });
    expect(thrown(() => save(d, { a: 300, b: new Uint8Array(100_000) })).code).toBe('invalid-value');
    const small = vmsd('s', { fields: [field('x', uint8)] });
    expect(Array.from(save(small, { x: 2 }))).toStrictEqual([2]);
    expect(first.length).toBe(100_001);
    expect(first[0]).toBe(1);
    expect(first[100_000]).toBe(3);
  });

  it('results are fresh, exact arrays whether or not the body has the last one’s size', () => {
    const v = vmsd('t', {
      fields: [field('n', uint8), field('r', varray(uint8, { count: 'n', max: 200 }))],
    });
    const results: Uint8Array[] = [];
    for (const n of [2, 2, 4, 1, 1, 200, 3]) {
      const r = Array.from({ length: n }, (_, i) => i);
      const out = save(v, { n, r });
      expect(Array.from(out)).toStrictEqual([n, ...r]);
      expect(out.byteOffset).toBe(0);
      expect(out.buffer.byteLength).toBe(out.length);
      results.push(out);
    }
    expect(new Set(results.map((r) => r.buffer)).size).toBe(results.length);
    expect(thrown(() => save(v, { n: 3, r: [1, 2, 999] })).code).toBe('invalid-value');
    expect(Array.from(save(v, { n: 3, r: [1, 2, 3] }))).toStrictEqual([3, 1, 2, 3]);
  });
});
