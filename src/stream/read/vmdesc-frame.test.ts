import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { apply, type Mutation, realStreams, SET_VALUES } from '../../../test/stream/mutate.js';
import { MigrationError } from '../../errors/index.js';
import type { StreamItem } from './items.js';
import { type ReadOptions, readStream } from './reader.js';

/**
 * `bodies: 'framed'` may only change how a body is carried, never what is accepted: on every real
 * stream, and on real streams damaged inside their device sections, it must give the same error
 * (code, message, offset, path) as decoding, or the same items with each framed body equal to the
 * decoded one.
 */

type Seen = { items: unknown[]; framed: number } | { error: unknown };

/** An item with a device body reduced to where it is and its bytes (how it was read aside). */
function comparable(item: StreamItem): { seen: unknown; framed: boolean } {
  if (item.type === 'opaque' && item.boundary === 'vmdesc')
    return { seen: ['body', item.offset, item.body, item.vmdescIndex], framed: true };
  if (item.type === 'device' && item.decodedBy === 'vmdesc')
    return { seen: ['body', item.offset, item.body, item.vmdescIndex], framed: false };
  return { seen: item, framed: false };
}

async function read(bytes: Uint8Array, options: ReadOptions): Promise<Seen> {
  const items: unknown[] = [];
  let framed = 0;
  try {
    for await (const item of readStream(bytes, { ...options, ramPages: 'count' })) {
      const c = comparable(item);
      items.push(c.seen);
      if (c.framed) framed++;
    }
    return { items, framed };
  } catch (e) {
    if (!(e instanceof MigrationError)) throw e;
    return { error: { code: e.code, message: e.message, issues: e.issues } };
  }
}

async function same(bytes: Uint8Array): Promise<Seen> {
  const framed = await read(bytes, { bodies: 'framed' });
  const decoded = await read(bytes, {});
  if ('items' in decoded && 'items' in framed) expect(framed.items).toStrictEqual(decoded.items);
  else expect(framed).toStrictEqual(decoded);
  return framed;
}

/**
 * Where to aim damage: the device bodies a framed read carries (each with the footer byte after
 * it), and within them every 0x05 byte, where subsection headers (marker, name, version) start.
 */
async function targets(bytes: Uint8Array): Promise<{ ranges: [number, number][]; marks: number[] }> {
  const ranges: [number, number][] = [];
  const marks: number[] = [];
  for await (const item of readStream(bytes, { bodies: 'framed', ramPages: 'count' })) {
    if (item.type !== 'opaque' || item.boundary !== 'vmdesc') continue;
    const at = item.offset ?? 0;
    ranges.push([at, at + item.body.length]);
    item.body.forEach((b, i) => {
      if (b === 0x05) marks.push(at + i);
    });
  }
  return { ranges, marks };
}

const streams = realStreams();

describe("reading with bodies: 'framed' accepts and refuses exactly what decoding does", () => {
  let bases: { bytes: Uint8Array; ranges: [number, number][]; marks: number[] }[] = [];
  beforeAll(async () => {
    bases = await Promise.all(
      streams.map(async (s) => {
        const bytes = new Uint8Array(readFileSync(s));
        return { bytes, ...(await targets(bytes)) };
      }),
    );
  });

  it('every real stream: the same items, most device bodies framed', async () => {
    let framed = 0;
    for (const { bytes } of bases) {
      const seen = await same(bytes);
      if ('framed' in seen) framed += seen.framed;
    }
    // The 7.2/10.0 streams have ~30 device sections each, nearly all of plain fields.
    expect(framed).toBeGreaterThan(120);
  });

  const mutation = (at: fc.Arbitrary<number>): fc.Arbitrary<Mutation> =>
    fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at, mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ kind: fc.constant('set' as const), at, value: fc.constantFrom(...SET_VALUES) }),
      fc.record({ kind: fc.constant('cut' as const), at }),
      fc.record({ kind: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 16 }) }),
      fc.record({
        kind: fc.constant('insert' as const),
        at,
        bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }),
      }),
    );

  it('damaged device sections: the same error, or the same items', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(1000),
        fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.nat(), mutation(fc.constant(0))), {
          minLength: 1,
          maxLength: 3,
        }),
        async (s, picks) => {
          const base = bases[s % bases.length] as (typeof bases)[number];
          if (base.ranges.length === 0 || base.marks.length === 0) return;
          // Each mutation lands inside a device body or on the footer byte after it, or on one of
          // the first bytes of a subsection header (or of a 0x05 that only looks like one).
          const ms = picks.map(([onMark, r, k, m]) => {
            if (onMark) return { ...m, at: (base.marks[r % base.marks.length] as number) + (k % 12) };
            const [from, to] = base.ranges[r % base.ranges.length] as [number, number];
            return { ...m, at: from + (k % (to - from + 1)) };
          });
          await same(apply(base.bytes, ms));
        },
      ),
      // Each case reads a whole real stream twice (vmdesc included): few cases, each one aimed.
      { numRuns: 100 },
    );
  }, 240_000);
});
