import { describe, expect, it } from 'vitest';
import { losslessItemText } from './lossless.js';

/** The generic form every item's text must equal (the page fast path included). */
const generic = (item: object, first: boolean) =>
  `${first ? '' : ','}\n  ${JSON.stringify(item, null, 1).replace(/\n/g, '\n  ')}`;

describe('lossless item text', () => {
  it('writes a page item exactly as JSON.stringify re-indented does', () => {
    const pages = [
      { page: { block: 'pc.ram', addr: '0x0000000000001000', continued: true, base64: 'AAEC/w==' } },
      { page: { block: 'we"ird\\name\u0001', addr: '0x00000000fffff000', continued: false, base64: '' } },
    ];
    for (const item of pages) {
      for (const first of [true, false]) expect(losslessItemText(item, first)).toBe(generic(item, first));
    }
  });

  it('leaves every other shape to JSON.stringify', () => {
    const others = [
      { page: { addr: '0x0', block: 'pc.ram', continued: true, base64: '' } },
      { page: { block: 'pc.ram', addr: '0x0', continued: true, base64: '', extra: 1 } },
      { zero: { block: 'pc.ram', addr: '0x0', continued: true, pages: 1, fill: 0 } },
      { page: { block: 'pc.ram', addr: 4096, continued: true, base64: '' } },
    ];
    for (const item of others) expect(losslessItemText(item, false)).toBe(generic(item, false));
  });
});
