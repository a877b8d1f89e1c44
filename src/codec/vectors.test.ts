import { describe, expect, it } from 'vitest';
import {
  array,
  bool,
  buffer,
  double,
  equal,
  field,
  int8,
  int16,
  int32,
  int32Le,
  int64,
  pointer,
  struct,
  timer,
  tmp,
  uint8,
  uint16,
  uint32,
  uint64,
  unused,
  validate,
  varray,
  vbuffer,
  vmsd,
  vstruct,
} from '../describe/index.js';
import { MigrationError } from '../errors/index.js';
import { load, save, saveDescribed } from './codec.js';

/** Byte vectors computed by hand from the spec (§8.6 encodings, §8.3 counts, §9 subsections). */
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
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

describe('primitive encodings (big-endian, two’s complement)', () => {
  const cases = [
    ['uint8', uint8, 0xab, 'ab'],
    ['uint16', uint16, 0x1234, '1234'],
    ['uint32', uint32, 0xdeadbeef, 'deadbeef'],
    ['uint64', uint64, 0x0102030405060708n, '0102030405060708'],
    ['int8', int8, -2, 'fe'],
    ['int16', int16, -2, 'fffe'],
    ['int32', int32, -2, 'fffffffe'],
    ['int64', int64, -2n, 'fffffffffffffffe'],
    ['bool', bool, true, '01'],
    ['timer (not armed)', timer, -1n, 'ffffffffffffffff'],
    ['CPU_Double_U', double, 1.5, '3ff8000000000000'],
  ] as const;
  for (const [name, type, value, wire] of cases) {
    it(`${name}: ${String(value)} ⇄ ${wire}`, () => {
      const d = vmsd('t', { fields: [field('v', type)] });
      expect(hex(save(d, { v: value } as never))).toBe(wire);
      expect(load(d, bytes(wire))).toEqual({ v: value });
    });
  }

  it('bool: any non-zero byte loads as true, as in QEMU', () => {
    const d = vmsd('t', { fields: [field('v', bool)] });
    expect(load(d, bytes('7f'))).toEqual({ v: true });
  });

  it('refuses values that do not fit, naming the field', () => {
    const d = vmsd('t', { fields: [field('a', uint8), field('v', uint16)] });
    const e = thrown(() => save(d, { a: 1, v: 0x10000 }));
    expect(e.issues[0]).toMatchObject({ code: 'invalid-value', path: ['t', 'v'] });
    expect(thrown(() => save(d, { a: 1.5, v: 0 })).issues[0]).toMatchObject({
      code: 'invalid-value',
      path: ['t', 'a'],
    });
  });
});

describe('buffers, padding and arrays', () => {
  it('buffer(n): n raw bytes', () => {
    const d = vmsd('t', { fields: [field('b', buffer(3))] });
    expect(hex(save(d, { b: Uint8Array.of(1, 2, 3) }))).toBe('010203');
    expect(thrown(() => save(d, { b: Uint8Array.of(1) })).code).toBe('invalid-value');
  });

  it('vbuffer: length from another field, bounded by max before reading', () => {
    const d = vmsd('t', { fields: [field('len', uint32), field('b', vbuffer({ size: 'len', max: 4 }))] });
    expect(hex(save(d, { len: 2, b: Uint8Array.of(9, 8) }))).toBe('000000020908');
    expect(load(d, bytes('000000020908'))).toEqual({ len: 2, b: Uint8Array.of(9, 8) });
    const e = thrown(() => load(d, bytes('ffffffff')));
    expect(e.issues[0]).toMatchObject({ code: 'bound-exceeded', path: ['t', 'b'], offset: 4 });
  });

  it('unused(n): zeros on save, skipped on load', () => {
    const d = vmsd('t', { fields: [field('a', uint8), unused(3), field('b', uint8)] });
    expect(hex(save(d, { a: 1, b: 2 }))).toBe('0100000002');
    expect(load(d, bytes('01ffffff02'))).toEqual({ a: 1, b: 2 });
  });

  it('array(t, n): n elements back to back, no count on the wire', () => {
    const d = vmsd('t', { fields: [field('r', array(uint16, 3))] });
    expect(hex(save(d, { r: [1, 2, 3] }))).toBe('000100020003');
    expect(thrown(() => save(d, { r: [1, 2] })).issues[0]).toMatchObject({
      code: 'invalid-value',
      path: ['t', 'r'],
    });
  });

  for (const width of ['uint8', 'uint16', 'uint32', 'int32'] as const) {
    it(`varray counted by a ${width} member: the count is the member's value, never on the wire`, () => {
      const countType = { uint8, uint16, uint32, int32 }[width];
      const d = vmsd('t', {
        fields: [field('n', countType), field('v', varray(uint8, { count: 'n', max: 8, width }))],
      });
      const wire = `${'00'.repeat(countType.width - 1)}03 0a0b0c`;
      expect(hex(save(d, { n: 3, v: [10, 11, 12] }))).toBe(wire.replace(' ', ''));
      expect(load(d, bytes(wire))).toEqual({ n: 3, v: [10, 11, 12] });
      // A count above the declared capacity is refused before anything is allocated.
      const huge = `${'ff'.repeat(countType.width - 1)}7f`;
      expect(thrown(() => load(d, bytes(huge))).issues[0]).toMatchObject({
        code: 'bound-exceeded',
        path: ['t', 'v'],
      });
    });
  }

  it('varray with a receiver-side count (like fdc fifo_size) and a multiplier', () => {
    const d = vmsd('t', { fields: [field('v', varray(uint8, { count: () => 2, max: 2, multiply: 2 }))] });
    expect(hex(save(d, { v: [1, 2, 3, 4] }))).toBe('01020304');
  });

  it('arrays of structs, each element a nested body', () => {
    const reg = vmsd('reg', { fields: [field('a', uint8), field('b', uint16)] });
    const d = vmsd('t', { fields: [field('regs', array(struct(reg), 2))] });
    const s = {
      regs: [
        { a: 1, b: 2 },
        { a: 3, b: 4 },
      ],
    };
    expect(hex(save(d, s))).toBe('010002030004');
    expect(load(d, bytes('010002030004'))).toEqual(s);
  });
});

describe('checks against the receiver', () => {
  it('equal(uint8): must match the receiver’s value (num_floppies)', () => {
    const d = vmsd('t', { fields: [field('n', equal(uint8), { default: 2 })] });
    expect(hex(save(d, { n: 2 }))).toBe('02');
    expect(load(d, bytes('02'))).toEqual({ n: 2 });
    expect(thrown(() => load(d, bytes('03'))).issues[0]).toMatchObject({ code: 'not-equal', offset: 0 });
  });

  it('equal(uint64) is QEMU’s "int64 equal"', () => {
    const d = vmsd('t', { fields: [field('n', equal(uint64))] });
    expect(saveDescribed(d, { n: 0n }).vmdesc.fields[0]?.type).toBe('int64 equal');
  });

  it('int32 le: big-endian, 0 ≤ value ≤ the receiver’s', () => {
    const d = vmsd('t', { fields: [field('n', int32Le, { default: 10 })] });
    expect(load(d, bytes('0000000a'))).toEqual({ n: 10 });
    expect(thrown(() => load(d, bytes('0000000b'))).code).toBe('not-less-or-equal');
    expect(thrown(() => load(d, bytes('ffffffff'))).code).toBe('not-less-or-equal');
  });

  it('validate: a zero-width check between a count and its array', () => {
    const d = vmsd('t', {
      fields: [
        field('n', uint8),
        validate('n_in_range', (s) => s.n <= 2),
        field('v', varray(uint8, { count: 'n', max: 32, width: 'uint8' })),
      ],
    });
    expect(load(d, bytes('020102'))).toEqual({ n: 2, v: [1, 2] });
    expect(thrown(() => load(d, bytes('03010203'))).issues[0]).toMatchObject({
      code: 'validation-failed',
      path: ['t', 'n_in_range'],
      offset: 1,
    });
    expect(thrown(() => save(d, { n: 3, v: [1, 2, 3] })).code).toBe('validation-failed');
  });

  it('array of pointers: a NULL slot is the byte 0x30, decided by the receiver’s own slot', () => {
    const d = vmsd('t', { fields: [field('p', array(pointer(uint16), 2))] });
    expect(hex(save(d, { p: [null, 5] }))).toBe('300005');
    expect(load(d, bytes('300005'), { into: { p: [null, 0] } })).toEqual({ p: [null, 5] });
    expect(thrown(() => load(d, bytes('310005'), { into: { p: [null, 0] } })).code).toBe('bad-null-marker');
  });
});

describe('versions and predicates', () => {
  const d = vmsd('dev', {
    version: 3,
    minimumVersion: 2,
    fields: [
      field('a', uint8),
      field('b', uint8, { since: 3 }),
      field('c', uint8, { existsIf: (s) => s.a === 1 }),
    ],
  });

  it('a field with since: 3 is present at stream version 3 and absent at 2 (default kept)', () => {
    expect(hex(save(d, { a: 0, b: 7, c: 0 }))).toBe('0007');
    expect(load(d, bytes('0007'), { version: 3 })).toEqual({ a: 0, b: 7, c: 0 });
    expect(load(d, bytes('00'), { version: 2 })).toEqual({ a: 0, b: 0, c: 0 });
  });

  it('existsIf reads state loaded earlier in the same body', () => {
    expect(hex(save(d, { a: 1, b: 7, c: 9 }))).toBe('010709');
    expect(load(d, bytes('010709'))).toEqual({ a: 1, b: 7, c: 9 });
  });

  it('refuses too new and too old versions', () => {
    expect(thrown(() => load(d, bytes('00'), { version: 4 })).issues[0]).toMatchObject({
      code: 'version-too-new',
      path: ['dev'],
    });
    expect(thrown(() => load(d, bytes('00'), { version: 1 })).issues[0]).toMatchObject({
      code: 'version-too-old',
      path: ['dev'],
    });
  });

  it('a nested struct is read at its own version, not the section’s', () => {
    const inner = vmsd('inner', { version: 5, fields: [field('x', uint8, { since: 5 })] });
    const outer = vmsd('outer', { version: 1, fields: [field('s', struct(inner))] });
    expect(hex(save(outer, { s: { x: 4 } }))).toBe('04');
    expect(load(outer, bytes('04'), { version: 1 })).toEqual({ s: { x: 4 } });
  });

  it('vstruct: read at the declared struct version', () => {
    const inner = vmsd('inner', {
      version: 5,
      minimumVersion: 1,
      fields: [field('x', uint8), field('y', uint8, { since: 3 })],
    });
    const outer = vmsd('outer', { fields: [field('s', vstruct(inner, 2))] });
    expect(load(outer, bytes('04'))).toEqual({ s: { x: 4, y: 0 } });
  });

  it('tmp: an inline body with no framing', () => {
    const fp = vmsd('fpreg_tmp', { fields: [field('tmp_mant', uint64), field('tmp_exp', uint16)] });
    const d = vmsd('t', { fields: [field('tmp', tmp(fp))] });
    const s = { tmp: { tmp_mant: 0x8000000000000000n, tmp_exp: 0x3fff } };
    expect(hex(save(d, s))).toBe('80000000000000003fff');
    expect(saveDescribed(d, s).vmdesc.fields[0]).toEqual({
      name: 'tmp',
      type: 'tmp',
      vmsd_name: 'fpreg_tmp',
      version: 0,
      fields: [
        { name: 'tmp_mant', type: 'uint64', size: 8 },
        { name: 'tmp_exp', type: 'uint16', size: 2 },
      ],
      size: 10,
    });
  });
});

describe('subsections', () => {
  const drive = vmsd('fdrive', {
    fields: [field('head', uint8)],
    subsections: (sub) => [
      sub('fdrive/media_rate', { version: 1, fields: [field('media_rate', uint8)] }),
      sub('fdrive/perpendicular', {
        version: 1,
        fields: [field('perp', uint8)],
        needed: (s) => s.perp !== 0,
      }),
    ],
  });
  const ctl = vmsd('ctl', {
    version: 1,
    fields: [field('drives', array(struct(drive), 2)), field('after', uint8)],
    subsections: (sub) => [
      sub('ctl/outer', {
        version: 2,
        fields: [field('o', uint8)],
        needed: (s) => s.o !== 0,
        subsections: (sub2) => [
          sub2('ctl/outer/inner', { version: 1, fields: [field('i', uint8)], needed: (s) => s.i !== 0 }),
        ],
      }),
    ],
  });
  const rate = '05 11 6664726976652f6d656469615f72617465 00000001';
  const perp = '05 14 6664726976652f70657270656e646963756c6172 00000001';

  it('are written after each struct element’s own fields, before the parent’s next field', () => {
    const s = {
      drives: [
        { head: 1, media_rate: 0, perp: 0 },
        { head: 2, media_rate: 3, perp: 4 },
      ],
      after: 0xaa,
      o: 0,
      i: 0,
    };
    const wire = `01 ${rate} 00   02 ${rate} 03 ${perp} 04   aa`;
    expect(hex(save(ctl, s))).toBe(wire.replace(/\s+/g, ''));
    expect(load(ctl, bytes(wire))).toEqual(s);
  });

  it('nest: a subsection’s own subsections follow its fields', () => {
    const s = {
      drives: [
        { head: 0, media_rate: 0, perp: 0 },
        { head: 0, media_rate: 0, perp: 0 },
      ],
      after: 0,
      o: 1,
      i: 2,
    };
    const wire = `00 ${rate} 00  00 ${rate} 00  00  05 09 63746c2f6f75746572 00000002 01  05 0f 63746c2f6f757465722f696e6e6572 00000001 02`;
    expect(hex(save(ctl, s))).toBe(wire.replace(/\s+/g, ''));
    expect(load(ctl, bytes(wire))).toEqual(s);
  });

  it('an absent subsection leaves the value preLoad set (the prevalent value)', () => {
    const withDefault = vmsd('p', {
      fields: [field('a', uint8)],
      subsections: (sub) => [
        sub('p/x', { version: 1, fields: [field('x', uint8)], needed: (s) => s.x !== 7 }),
      ],
      preLoad: (s) => {
        s.x = 7;
      },
    });
    expect(hex(save(withDefault, { a: 1, x: 7 }))).toBe('01');
    expect(load(withDefault, bytes('01'))).toEqual({ a: 1, x: 7 });
  });

  it('a subsection version above the receiver’s is refused with its path', () => {
    const wire = `00 ${rate} 00  00 ${rate} 00  00  05 09 63746c2f6f75746572 00000003 01`;
    expect(thrown(() => load(ctl, bytes(wire))).issues[0]).toMatchObject({
      code: 'version-too-new',
      path: ['ctl', 'ctl/outer'],
    });
  });

  it('peek rule: a 0x05 not followed by a name with our prefix is not a subsection (trailing bytes)', () => {
    const d = vmsd('abc', { fields: [field('a', uint8)] });
    // Name "abd" does not start with "abc": the loader stops, and bare load reports the leftovers.
    expect(thrown(() => load(d, bytes('01 05 03 616264 00000001'))).code).toBe('trailing-bytes');
    // A name too short (len < 4) is not ours either.
    expect(thrown(() => load(d, bytes('01 05 03 616263'))).code).toBe('trailing-bytes');
    // A prefix match without "/" is ours, and unknown: refused by name.
    expect(thrown(() => load(d, bytes('01 05 04 61626364 00000001'))).issues[0]).toMatchObject({
      code: 'unknown-subsection',
      offset: 1,
      details: { subsection: 'abcd', parent: 'abc' },
    });
  });

  it('end of input while peeking means "no subsection"', () => {
    const d = vmsd('abc', { fields: [field('a', uint8)] });
    expect(load(d, bytes('01'))).toEqual({ a: 1 });
  });
});

describe('hooks', () => {
  it('postLoad can refuse a state (a bad index that would be used later)', () => {
    const d = vmsd('t', {
      fields: [field('head', uint8), field('fifo', array(uint8, 4))],
      postLoad: (s) => (s.head < 4 ? undefined : `head ${s.head} is outside the FIFO`),
    });
    expect(thrown(() => load(d, bytes('0900000000'))).issues[0]).toMatchObject({
      code: 'hook-failed',
      path: ['t'],
    });
  });

  it('a throwing hook becomes a MigrationError', () => {
    const d = vmsd('t', {
      fields: [field('a', uint8)],
      preSave: () => {
        throw new Error('boom');
      },
    });
    expect(thrown(() => save(d, { a: 1 })).code).toBe('hook-failed');
  });

  it('load never touches `into` (a failed load commits nothing)', () => {
    const d = vmsd('t', { fields: [field('a', uint8), field('b', uint16)] });
    const into = { a: 5, b: 6 };
    expect(thrown(() => load(d, bytes('0100'), { into })).code).toBe('truncated');
    expect(into).toEqual({ a: 5, b: 6 });
  });
});
