import { describe, expectTypeOf, it } from 'vitest';
import {
  array,
  buffer,
  field,
  type Infer,
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
});
