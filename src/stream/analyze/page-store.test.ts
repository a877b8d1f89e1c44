import { describe, expect, it } from 'vitest';
import { hexBytes } from './analyze-state.js';
import { PageStore } from './page-store.js';

describe('PageStore: the -m map, kept out of memory', () => {
  it('keys in first-seen order, values of the last record, read back from its temporary files', () => {
    const store = new PageStore(4096);
    const page = (b: number) => new Uint8Array(4096).fill(b);
    store.data('pc.ram', 0x3000n, page(1));
    store.zero('pc.bios', 0x0n, 0);
    store.zero('pc.ram', 0x1000n, 0xff);
    store.data('pc.ram', 0x3000n, page(7));
    store.data('pc.ram', 0x1000n, page(2));
    expect(store.size).toBe(3);
    expect([...store.keys()]).toEqual([
      'pc.ram (0x0000000000003000)',
      'pc.bios (0x0000000000000000)',
      'pc.ram (0x0000000000001000)',
    ]);
    expect(store.get('pc.ram (0x0000000000003000)')).toBe(hexBytes(page(7)));
    expect(store.get('pc.ram (0x0000000000001000)')).toBe(hexBytes(page(2)));
    expect(store.get('pc.bios (0x0000000000000000)')).toBe('Filled with 0x00');
    expect(store.has('pc.ram (0x0000000000002000)')).toBe(false);
    expect(store.get('pc.ram (0x0000000000002001)')).toBeUndefined();
    expect(store.get('nonsense')).toBeUndefined();
    const seen: string[] = [];
    store.forEach((v, k) => {
      seen.push(`${k}=${String(v).slice(0, 5)}`);
    });
    expect(seen).toEqual([
      'pc.ram (0x0000000000003000)=07 07',
      'pc.bios (0x0000000000000000)=Fille',
      'pc.ram (0x0000000000001000)=02 02',
    ]);
    // A fill byte ≥ 0x80 is printed signed, as the script does.
    store.zero('pc.ram', 0x1000n, 0xfe);
    expect(store.get('pc.ram (0x0000000000001000)')).toBe('Filled with 0x-2');
  });

  it('many pages across state chunks keep their order', () => {
    const store = new PageStore(4096);
    const n = 70_000; // more than two 32768-page state chunks
    for (let i = n - 1; i >= 0; i--) store.zero('pc.ram', BigInt(i) * 4096n, 0);
    expect(store.size).toBe(n);
    const keys = [...store.keys()];
    expect(keys[0]).toBe(`pc.ram (0x${((n - 1) * 4096).toString(16).padStart(16, '0')})`);
    expect(keys[n - 1]).toBe('pc.ram (0x0000000000000000)');
  });
});
