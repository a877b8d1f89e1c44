import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MigrationError } from '../../src/errors/index.js';
import { encodeStream, itemsFromLossless, type ReadOptions, readStream } from '../../src/stream/index.js';
import {
  apply,
  losslessOutcome,
  type Mutation,
  realStreams,
  SET_VALUES,
  smallRealStream,
  withDeadline,
} from './mutate.js';

/**
 * Hostile input: mutated real QEMU streams (every `*.mig` under test/vectors). Every case must
 * end, either accepted or with a MigrationError naming an offset; never another exception and
 * never a hang. Every accepted case must be lossless: its `analyze --lossless` document assembles
 * back to exactly its bytes. (`npm run fuzz` runs the same over 250,000+ cases in several workers.)
 */

async function outcome(bytes: Uint8Array, options: ReadOptions): Promise<'ok' | MigrationError> {
  try {
    for await (const _ of readStream(bytes, options)) {
      /* drain */
    }
    return 'ok';
  } catch (e) {
    if (e instanceof MigrationError) return e;
    throw e;
  }
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(...SET_VALUES) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }),
  }),
  // Lengths and counts turned huge: 0xffffffff written over 4 bytes.
  fc.record({ kind: fc.constant('big' as const), at: fc.nat() }),
);

/** Offsets near the end land in the device sections and the vmdesc, where most of the structure is. */
const nearEnd = (ms: Mutation[], length: number, tail: boolean): Mutation[] =>
  tail ? ms.map((m) => ({ ...m, at: Math.max(0, length - 1 - (m.at % Math.min(length, 40000))) })) : ms;

const streams = realStreams();

describe('mutated real streams: a MigrationError or a lossless read, never a crash or a hang', () => {
  let bases: Uint8Array[] = [];
  beforeAll(async () => {
    bases = await Promise.all(streams.map((s) => smallRealStream(s)));
  });
  const tally = { accepted: 0, rejected: 0 };
  const codes = new Set<string>();

  it('covers every real stream in test/vectors', () => {
    expect(streams.length).toBeGreaterThanOrEqual(6);
    expect(streams.some((s) => s.endsWith('i440fx-2.2.mig'))).toBe(true);
  });

  const lossless = fc.asyncProperty(
    fc.nat(1000),
    fc.array(mutation, { minLength: 1, maxLength: 3 }),
    fc.boolean(),
    async (s, ms, tail) => {
      const base = bases[s % bases.length] as Uint8Array;
      const bytes = apply(base, nearEnd(ms, base.length, tail));
      const r = await withDeadline(losslessOutcome(bytes), 20_000);
      expect(r).not.toBe('hang');
      if (r === 'hang') return;
      if (r.kind === 'not-lossless') expect.fail(`accepted but not lossless: ${r.detail}`);
      if (r.kind === 'accepted') tally.accepted++;
      else {
        tally.rejected++;
        codes.add(r.error.code);
        const issue = r.error.issues[0];
        // Every rejection says where: an offset inside the input (or at its end), or a section path.
        if (issue?.offset !== undefined) {
          expect(issue.offset).toBeGreaterThanOrEqual(0);
          expect(issue.offset).toBeLessThanOrEqual(bytes.length);
        } else expect(issue?.path.length).toBeGreaterThan(0);
      }
    },
  );

  for (let part = 0; part < 3; part++) {
    it(`assemble(lossless(x)) == x for every accepted mutant: 400 cases, part ${part + 1}`, async () => {
      await fc.assert(lossless, { numRuns: 400, seed: 2000 + part });
    });
  }

  it('without a vmdesc (opaque sections, ends found by footers or heuristics): 600 cases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(1000), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (s, ms) => {
        const r = await outcome(apply(bases[s % bases.length] as Uint8Array, ms), { vmdesc: 'none' });
        if (r !== 'ok') codes.add(r.code);
      }),
      { numRuns: 600, seed: 7 },
    );
  });

  it('the cases covered both outcomes and many kinds of rejection', () => {
    expect(tally.accepted + tally.rejected).toBe(1200);
    expect(tally.rejected).toBeGreaterThan(300);
    expect(tally.accepted).toBeGreaterThan(100);
    for (const code of ['truncated', 'bad-footer', 'unexpected-byte', 'bound-exceeded'])
      expect(codes).toContain(code);
  });

  it('every truncation of a small real stream is rejected, never accepted (with and without vmdesc)', async () => {
    for (const name of ['i440fx-7.2.mig', 'i440fx-2.2.mig']) {
      const base = bases[streams.findIndex((s) => s.endsWith(name))] as Uint8Array;
      // Densely over the last 12 KiB (device sections, the vmdesc), sparsely before.
      for (let cut = 0; cut < base.length; cut += cut < 600 || cut > base.length - 12000 ? 1 : 499) {
        // Cut right after the EOF byte, a stream is whole as QEMU loads it (it never reads the vmdesc).
        if (name === 'i440fx-7.2.mig' && base[cut - 1] === 0 && base[cut] === 0x06) continue;
        const r = await outcome(base.subarray(0, cut), {});
        expect(r, `${name} cut at ${cut}`).toBeInstanceOf(MigrationError);
      }
    }
  });
});

describe('hostile lossless documents are MigrationErrors too', () => {
  it('mutated values and shapes', () => {
    const doc = {
      format: 'vmstate-lossless/1',
      pageSize: 4096,
      items: [
        { header: { version: 3 } },
        { section: { kind: 'start', id: 2, idstr: 'ram', instance: 0, version: 4 } },
        { blocks: { total: '0x1000', flags: 4, list: [{ name: 'a', length: '0x1000' }] } },
        { zero: { block: 'a', addr: '0x0', continued: false, pages: 1, fill: 0 } },
        { eos: {} },
        { end: { id: 2, footer: true } },
        { eof: {} },
      ],
    };
    expect(encodeStream(itemsFromLossless(doc)).length).toBeGreaterThan(0);
    const values = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.string(),
      fc.constant('0xffffffffffffffffff'),
      fc.constant(-1),
      fc.constant(2 ** 53),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
    );
    fc.assert(
      fc.property(fc.nat(), fc.nat(), values, (i, k, v) => {
        const d = structuredClone(doc) as { items: Record<string, Record<string, unknown>>[] };
        const item = d.items[i % d.items.length] as Record<string, Record<string, unknown>>;
        const inner = Object.values(item)[0] as Record<string, unknown>;
        const keys = Object.keys(inner);
        if (keys.length > 0) inner[keys[k % keys.length] as string] = v;
        else item[Object.keys(item)[0] as string] = v as never;
        try {
          encodeStream(itemsFromLossless(d));
        } catch (e) {
          expect(e).toBeInstanceOf(MigrationError);
        }
      }),
      { numRuns: 1000, seed: 3 },
    );
  });
});
