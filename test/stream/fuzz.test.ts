import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { MigrationError } from '../../src/errors/index.js';
import {
  encodeStream,
  itemsFromLossless,
  type ReadOptions,
  readStream,
  type StreamItem,
} from '../../src/stream/index.js';

/**
 * Hostile input: mutated real QEMU streams. Every case must end, either with the items or with
 * a MigrationError naming an offset; never another exception and never a hang (the test timeout
 * would catch one).
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

/** A real stream with its RAM sections cut to their first records, so each case is quick. */
async function smallRealStream(path: string): Promise<Uint8Array> {
  const items: StreamItem[] = [];
  let records = 0;
  for await (const item of readStream(path)) {
    if (item.type === 'ram-zero' || item.type === 'ram-page') {
      if (++records > 40) continue;
      items.push(item.type === 'ram-page' ? { ...item, data: item.data.slice() } : item);
    } else items.push(item);
  }
  return encodeStream(items);
}

type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'cut'; at: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'big'; at: number };

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(),
    value: fc.constantFrom(0, 1, 2, 4, 5, 6, 7, 8, 0x10, 0x20, 0x7e, 0xff),
  }),
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

function apply(bytes: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = bytes.slice();
  for (const m of ms) {
    const at = m.at % Math.max(1, b.length);
    switch (m.kind) {
      case 'flip':
        b[at] = (b[at] as number) ^ m.mask;
        break;
      case 'set':
        b[at] = m.value;
        break;
      case 'cut':
        b = b.slice(0, at);
        break;
      case 'delete':
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + m.length)]);
        break;
      case 'insert':
        b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
        break;
      case 'big':
        b.fill(0xff, at, at + 4);
        break;
    }
  }
  return b;
}

const streams = ['i440fx-7.2.mig', 'q35-7.2.mig', 'i440fx-2.3.mig', 'i440fx-7.2-slirp.mig'];

describe('mutated real streams give the items or a MigrationError', () => {
  let bases: Uint8Array[] = [];
  beforeAll(async () => {
    bases = await Promise.all(streams.map((s) => smallRealStream(`test/vectors/qemu-7.2/${s}`)));
  });
  const tally = { ok: 0, rejected: 0 };
  const codes = new Set<string>();

  const check = (options: ReadOptions) =>
    fc.asyncProperty(
      fc.nat(streams.length - 1),
      fc.array(mutation, { minLength: 1, maxLength: 3 }),
      async (s, ms) => {
        const bytes = apply(bases[s] as Uint8Array, ms);
        const r = await outcome(bytes, options);
        if (r === 'ok') tally.ok++;
        else {
          tally.rejected++;
          codes.add(r.code);
          const issue = r.issues[0];
          expect(issue).toBeDefined();
          // Every rejection says where: an offset inside the input (or at its end).
          expect(issue?.offset).toBeTypeOf('number');
          expect(issue?.offset).toBeGreaterThanOrEqual(0);
          expect(issue?.offset).toBeLessThanOrEqual(bytes.length);
        }
      },
    );

  for (let part = 0; part < 4; part++) {
    it(`decoded with the stream's own vmdesc (read first from the end): 250 cases, part ${part + 1}`, async () => {
      await fc.assert(check({}), { numRuns: 250, seed: 1000 + part });
    });
  }

  for (let part = 0; part < 2; part++) {
    it(`without a vmdesc (opaque sections, ends found by footers or heuristics): 600 cases, part ${part + 1}`, async () => {
      await fc.assert(check({ vmdesc: 'none' }), { numRuns: 600, seed: 7 + part });
    });
  }

  it('the cases covered both outcomes and many kinds of rejection', () => {
    expect(tally.ok + tally.rejected).toBe(2200);
    expect(tally.rejected).toBeGreaterThan(1000);
    expect(tally.ok).toBeGreaterThan(50);
    for (const code of ['truncated', 'bad-footer', 'unexpected-byte', 'invalid-value'])
      expect(codes).toContain(code);
  });

  it('every truncation of a small real stream is rejected as truncated or framing, never accepted', async () => {
    const base = bases[0] as Uint8Array;
    const vmdescAt = base.lastIndexOf(0x06, base.length - 90000);
    for (
      let cut = 0;
      cut < base.length;
      cut += cut < 600 || (cut > vmdescAt && cut < vmdescAt + 200) ? 1 : 499
    ) {
      const r = await outcome(base.subarray(0, cut), {});
      expect(r).toBeInstanceOf(MigrationError);
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
