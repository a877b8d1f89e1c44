import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MigrationError } from '../errors/index.js';
import { forEachDirty, TrackedMemory } from './memory.js';

const dirtyPages = (m: TrackedMemory) => {
  const out: number[] = [];
  forEachDirty(m.syncDirty(), (p) => out.push(p));
  return out;
};

describe('TrackedMemory', () => {
  it('marks exactly the pages a write touches, once each', () => {
    const m = new TrackedMemory(16 * 4096);
    m.write(4095, new Uint8Array(2));
    m.fill(8 * 4096, 4096, 7);
    m.setUint8(15 * 4096 + 10, 1);
    m.setUint8(15 * 4096 + 11, 1);
    expect(m.dirtyCount).toBe(4);
    expect(dirtyPages(m)).toEqual([0, 1, 8, 15]);
    expect(m.dirtyCount).toBe(0);
    expect(dirtyPages(m)).toEqual([]);
  });

  it('property: the dirty set is the union of the pages written since the last sync', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(100 * 4096 - 1), len: fc.nat(3 * 4096) }), { maxLength: 30 }),
        (writes) => {
          const m = new TrackedMemory(100 * 4096);
          const want = new Set<number>();
          for (const { at, len } of writes) {
            const n = Math.min(len, m.size - at);
            m.fill(at, n, 1);
            for (let p = Math.floor(at / 4096); n > 0 && p <= Math.floor((at + n - 1) / 4096); p++)
              want.add(p);
          }
          expect(dirtyPages(m)).toEqual([...want].sort((a, b) => a - b));
        },
      ),
    );
  });

  it('markAllDirty covers every page, a partial last word included', () => {
    const m = new TrackedMemory(33 * 4096);
    m.markAllDirty();
    expect(m.dirtyCount).toBe(33);
    expect(dirtyPages(m)).toEqual(Array.from({ length: 33 }, (_, i) => i));
  });

  it('tells zero pages, clones and compares', () => {
    const m = new TrackedMemory(4 * 4096, { name: 'pc.ram' });
    m.setUint8(4096 + 4095, 1);
    expect([0, 1, 2, 3].map((p) => m.isZeroPage(p))).toEqual([true, false, true, true]);
    const c = m.clone();
    expect(c.equals(m)).toBe(true);
    expect(c.dirtyCount).toBe(0);
    c.setUint8(0, 9);
    expect(c.equals(m)).toBe(false);
  });

  it('refuses ranges outside the memory and bad sizes with a MigrationError', () => {
    const m = new TrackedMemory(4096);
    expect(() => m.write(4000, new Uint8Array(200))).toThrow(MigrationError);
    expect(() => m.fill(-1, 1, 0)).toThrow(MigrationError);
    expect(() => new TrackedMemory(1000)).toThrow(MigrationError);
    expect(() => new TrackedMemory(4096, { pageSize: 1000 })).toThrow(MigrationError);
  });
});
