import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allPairs, cellId, type LabCell, parseShard, shardCells } from './cells.js';

const cell = (i: number): LabCell => {
  const c = {
    from: '10.0',
    to: '7.2',
    machine: `pc-i440fx-${i}`,
    devices: 'base',
    workload: 'ltim',
    when: 'settled',
  } as const;
  return { id: cellId(c), ...c };
};

describe('lab cells', () => {
  it('lists both directions of every pair of distinct versions', () => {
    expect(allPairs(['5.2', '7.2', '10.0'])).toEqual([
      ['5.2', '7.2'],
      ['5.2', '10.0'],
      ['7.2', '5.2'],
      ['7.2', '10.0'],
      ['10.0', '5.2'],
      ['10.0', '7.2'],
    ]);
  });

  it('parses I/N and refuses anything else', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    for (const bad of ['0/3', '4/3', '1/0', '1', 'a/b', '-1/2'])
      expect(() => parseShard(bad)).toThrow(/I\/N/);
  });

  it('shards are disjoint and together hold every cell, each about 1/N of them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 12 }), (n, count) => {
        const cells = Array.from({ length: n }, (_x, i) => cell(i));
        const shards = Array.from({ length: count }, (_x, i) => shardCells(cells, { index: i + 1, count }));
        const ids = shards.flat().map((c) => c.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.sort()).toEqual(cells.map((c) => c.id).sort());
        for (const s of shards) expect(Math.abs(s.length - n / count)).toBeLessThanOrEqual(1);
      }),
    );
  });
});
