import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MigrationError } from '../errors/index.js';
import { FRAME_HEADER, FrameKind, FrameParser, frameHeader, MAX_FRAME } from './frames.js';

function frame(kind: FrameKind, payload: Uint8Array): Uint8Array {
  return Buffer.concat([frameHeader(kind, payload), payload]);
}

function parse(bytes: Uint8Array, cuts: number[]): { data: Uint8Array; controls: Uint8Array[] } {
  const p = new FrameParser();
  const data: Uint8Array[] = [];
  const controls: Uint8Array[] = [];
  let at = 0;
  for (const c of [...cuts.filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b), bytes.length]) {
    p.push(bytes.subarray(at, c), { data: (d) => data.push(d.slice()), control: (x) => controls.push(x) });
    at = c;
  }
  return { data: Buffer.concat(data), controls };
}

describe('frames', () => {
  it('property: any split of the byte stream gives the same DATA bytes and CONTROL payloads', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ control: fc.boolean(), bytes: fc.uint8Array({ maxLength: 300 }) }), {
          maxLength: 8,
        }),
        fc.array(fc.nat(3000), { maxLength: 10 }),
        (frames, cuts) => {
          const bytes = Buffer.concat(
            frames.map((f) => frame(f.control ? FrameKind.CONTROL : FrameKind.DATA, f.bytes)),
          );
          const got = parse(bytes, cuts);
          expect(got.data).toEqual(Buffer.concat(frames.filter((f) => !f.control).map((f) => f.bytes)));
          expect(got.controls.map((c) => Buffer.from(c))).toEqual(
            frames.filter((f) => f.control).map((f) => Buffer.from(f.bytes)),
          );
        },
      ),
    );
  });

  it('property: a flipped byte anywhere is refused (checksum, kind or length)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (payload, where, xor) => {
          const bytes = Buffer.from(frame(FrameKind.CONTROL, payload));
          const i = where % bytes.length;
          bytes[i] = (bytes[i] as number) ^ xor;
          const p = new FrameParser();
          const seen: Uint8Array[] = [];
          let refused = false;
          try {
            p.push(bytes, { data: () => undefined, control: (c) => seen.push(c) });
          } catch (e) {
            expect(e).toBeInstanceOf(MigrationError);
            refused = true;
          }
          // Either refused, or (a shortened length) still waiting for more: never a wrong payload.
          expect(refused || seen.length === 0).toBe(true);
        },
      ),
    );
  });

  it('refuses a length over the bound before buffering anything', () => {
    const h = Buffer.alloc(FRAME_HEADER);
    h[0] = FrameKind.DATA;
    h.writeUInt32BE(MAX_FRAME + 1, 1);
    expect(() => new FrameParser().push(h, { data: () => undefined, control: () => undefined })).toThrow(
      MigrationError,
    );
  });
});
