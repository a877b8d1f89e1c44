import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderDevice } from './analyze-state.js';

/** The script's integer text, by BigInt: `0x` + two hex digits a byte, and the value if negative. */
function reference(bytes: number[], signed: boolean): string {
  let u = 0n;
  for (const b of bytes) u = (u << 8n) | BigInt(b);
  const hex = `0x${u.toString(16).padStart(Math.max(1, bytes.length * 2), '0')}`;
  if (!signed || bytes.length === 0 || ((bytes[0] as number) & 0x80) === 0) return hex;
  return `${hex} (${u - (1n << BigInt(bytes.length * 8))})`;
}

describe('integers as analyze-migration.py prints them', () => {
  it('every width from 0 to 8 bytes, signed and unsigned, as by BigInt', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 8, maxLength: 8 }),
        (size, signed, raw) => {
          const bytes = raw.slice(0, size);
          const entry = {
            name: 'd',
            instance_id: 0,
            vmsd_name: 'd',
            version: 1,
            fields: [{ name: 'x', type: signed ? 'int64' : 'uint64', size }],
          };
          const out = renderDevice(entry, Uint8Array.from(bytes));
          expect(out.get('x')).toBe(reference(bytes, signed));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
