import { describe, expect, it } from 'vitest';
import { compactJson, printable, shown } from './values.js';

describe('state values in reports', () => {
  it('writes a run of one value once with its count, so later members stay in view', () => {
    const state = { fifo: new Array(512).fill(0), ram: new Uint8Array(64), phase: 3, n: 5n };
    expect(compactJson(state)).toBe('{"fifo":[0 ×512],"ram":"hex:00 ×64","phase":3,"n":"5n"}');
    expect(compactJson([1, 1, 1, 2, 2, 2, 2, 3])).toBe('[1,1,1,2 ×4,3]');
    expect(compactJson([{ a: 0 }, { a: 0 }, { a: 0 }, { a: 0 }])).toBe('[{"a":0} ×4]');
    expect(compactJson(new Uint8Array([1, 2, 3]))).toBe('"hex:010203"');
    // --json keeps the data as it is.
    expect(printable(state)).toMatchObject({ fifo: new Array(512).fill(0), ram: `hex:${'00'.repeat(64)}` });
  });

  it('cuts one-line values to the given width', () => {
    expect(shown({ a: 'x'.repeat(100) }, 20)).toHaveLength(20);
    expect(shown({ a: 'x'.repeat(100) }, 20).endsWith('…')).toBe(true);
    expect(shown({ fifo: new Array(512).fill(0), phase: 3 })).toBe('{"fifo":[0 ×512],"phase":3}');
  });
});
