import { describe, expectTypeOf, it } from 'vitest';
import {
  array,
  buffer,
  field,
  gtree,
  type Infer,
  qlist,
  qtailq,
  struct,
  uint8,
  uint16,
  uint32,
  uint64,
  unused,
  varray,
  vmsd,
} from './index.js';

describe('Infer', () => {
  it('infers fields, version-gated fields, padding and merged subsections', () => {
    const mydev = vmsd('mydev', {
      version: 2,
      minimumVersion: 1,
      fields: [
        field('ctrl', uint8),
        field('count', uint16),
        field('base', uint32, { since: 2 }),
        unused(4),
        field('regs', array(uint16, 2)),
        field('fifo', buffer(16)),
      ],
      subsections: (sub) => [
        sub('mydev/extra', {
          version: 1,
          fields: [field('ts', uint64)],
          needed: (s) => {
            expectTypeOf(s.ctrl).toEqualTypeOf<number>();
            return s.ts !== 0n;
          },
        }),
        sub('mydev/opt', { fields: [field('flag', uint8)], nestedKey: 'opt' }),
      ],
    });
    type S = Infer<typeof mydev>;
    expectTypeOf<S>().toEqualTypeOf<{
      ctrl: number;
      count: number;
      base: number;
      regs: number[];
      fifo: Uint8Array;
      ts: bigint;
      opt?: { flag: number };
    }>();
  });

  it('infers nested structs, variable arrays and renamed keys', () => {
    const drive = vmsd('fdrive', { fields: [field('head', uint8), field('track', uint8)] });
    const ctl = vmsd('ctl', {
      fields: [
        field('n', uint8),
        field('drives', varray(struct(drive), { count: 'n', max: 4, width: 'uint8' })),
        field('env.cr[0]', uint32, { key: 'cr0' }),
      ],
    });
    expectTypeOf<Infer<typeof ctl>>().toEqualTypeOf<{
      n: number;
      drives: { head: number; track: number }[];
      cr0: number;
    }>();
  });

  it('infers lists as arrays of their element and trees as { key, value } entries', () => {
    const req = vmsd('req', { fields: [field('tag', uint32)] });
    const range = vmsd('range', { fields: [field('low', uint64), field('high', uint64)] });
    const dev = vmsd('dev', {
      version: 1,
      fields: [
        field('reqs', qtailq(req, { max: 8 }), { since: 1 }),
        field('list', qlist(req, { max: 8 }), { since: 1 }),
        field('byId', gtree({ key: 'direct', value: req, max: 8 }), { since: 1 }),
        field('byRange', gtree({ key: range, value: req, max: 8 }), { since: 1 }),
      ],
    });
    expectTypeOf<Infer<typeof dev>>().toEqualTypeOf<{
      reqs: { tag: number }[];
      list: { tag: number }[];
      byId: { key: bigint; value: { tag: number } }[];
      byRange: { key: { low: bigint; high: bigint }; value: { tag: number } }[];
    }>();
  });
});
