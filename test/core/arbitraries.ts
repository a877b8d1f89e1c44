import fc from 'fast-check';
import {
  type AnyElementType,
  array,
  bool,
  buffer,
  type Field,
  field,
  int8,
  int16,
  int32,
  int64,
  struct,
  timer,
  uint8,
  uint16,
  uint32,
  uint64,
  unused,
  type Vmsd,
  varray,
  vmsd,
} from '../../src/index.js';

/**
 * Random descriptions together with an arbitrary of valid states for each: the generator behind
 * the codec's property tests. Gated fields hold their default whenever their gate is closed, and
 * each subsection is needed exactly when one of its fields is off its default, so the expected
 * result of a round trip is the generated state itself.
 */
export interface Generated {
  readonly desc: Vmsd<Record<string, unknown>>;
  readonly state: fc.Arbitrary<Record<string, unknown>>;
}

type Gen = { type: AnyElementType; value: fc.Arbitrary<unknown>; zero: () => unknown };

const scalars: Gen[] = [
  { type: uint8, value: fc.integer({ min: 0, max: 0xff }), zero: () => 0 },
  { type: uint16, value: fc.integer({ min: 0, max: 0xffff }), zero: () => 0 },
  { type: uint32, value: fc.integer({ min: 0, max: 0xffffffff }), zero: () => 0 },
  { type: uint64, value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), zero: () => 0n },
  { type: int8, value: fc.integer({ min: -128, max: 127 }), zero: () => 0 },
  { type: int16, value: fc.integer({ min: -32768, max: 32767 }), zero: () => 0 },
  { type: int32, value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), zero: () => 0 },
  { type: int64, value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), zero: () => 0n },
  { type: bool, value: fc.boolean(), zero: () => false },
  { type: timer, value: fc.bigInt({ min: -1n, max: 2n ** 62n }), zero: () => -1n },
];

function elementGen(depth: number, names: { n: number }): fc.Arbitrary<Gen> {
  const options: fc.Arbitrary<Gen>[] = [
    fc.constantFrom(...scalars),
    fc.integer({ min: 0, max: 6 }).map((n) => ({
      type: buffer(n),
      value: fc.uint8Array({ minLength: n, maxLength: n }),
      zero: () => new Uint8Array(n),
    })),
  ];
  if (depth > 0) {
    options.push(
      descriptionGen(depth - 1, names).map((g) => ({
        type: struct(g.desc),
        value: g.state as fc.Arbitrary<unknown>,
        zero: () => g.zero(),
      })),
    );
  }
  return fc.oneof(...options);
}

interface Built {
  desc: Vmsd<Record<string, unknown>>;
  state: fc.Arbitrary<Record<string, unknown>>;
  zero: () => Record<string, unknown>;
}

type Part = { fields: Field[]; gens: [string, fc.Arbitrary<unknown>, () => unknown][] };

function fieldsGen(depth: number, names: { n: number }, maxFields: number): fc.Arbitrary<Part[]> {
  const one: fc.Arbitrary<Part> = fc
    .tuple(
      elementGen(depth, names),
      fc.constantFrom('one', 'fixed', 'var', 'gated', 'pad'),
      fc.integer({ min: 0, max: 3 }),
    )
    .map(([g, shape, n]) => {
      const id = names.n++;
      const key = `f${id}`;
      if (shape === 'pad') return { fields: [unused(n + 1)], gens: [] };
      if (shape === 'fixed') {
        return {
          fields: [field(key, array(g.type, n))],
          gens: [
            [key, fc.array(g.value, { minLength: n, maxLength: n }), () => Array.from({ length: n }, g.zero)],
          ],
        };
      }
      if (shape === 'var') {
        const count = `n${id}`;
        return {
          fields: [field(count, uint8), field(key, varray(g.type, { count, max: 3, width: 'uint8' }))],
          gens: [[`${count}|${key}`, fc.array(g.value, { maxLength: 3 }), () => []]] as Part['gens'],
        };
      }
      if (shape === 'gated') {
        const gate = `g${id}`;
        return {
          fields: [
            field(gate, bool),
            field(key, g.type, { existsIf: (s: Record<string, unknown>) => s[gate] === true }),
          ],
          gens: [[`${gate}?${key}`, fc.option(g.value, { nil: undefined }), g.zero]] as Part['gens'],
        };
      }
      return { fields: [field(key, g.type)], gens: [[key, g.value, g.zero]] };
    });
  return fc.array(one, { minLength: 0, maxLength: maxFields });
}

/** Expands the generator entries into a state record (count fields, gates). */
function assemble(gens: Part['gens'], values: unknown[], zero: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  gens.forEach(([key, , z], i) => {
    const v = zero ? undefined : values[i];
    if (key.includes('|')) {
      const [count, arr] = key.split('|') as [string, string];
      const list = (v as unknown[] | undefined) ?? [];
      out[count] = list.length;
      out[arr] = list;
    } else if (key.includes('?')) {
      const [gate, k] = key.split('?') as [string, string];
      out[gate] = v !== undefined;
      out[k] = v === undefined ? z() : v;
    } else out[key] = v === undefined ? z() : v;
  });
  return out;
}

export function descriptionGen(depth: number, names: { n: number } = { n: 0 }): fc.Arbitrary<Built> {
  return fc
    .tuple(
      fieldsGen(depth, names, 4),
      fc.array(fieldsGen(0, names, 2), { maxLength: 2 }),
      fc.integer({ min: 0, max: 3 }),
    )
    .map(([parts, subParts, version]) => {
      const id = names.n++;
      // The trailing '_' keeps names from being prefixes of each other (QEMU's subsection peek is a prefix test).
      const name = `d${id}_`;
      // Every body starts with one byte: an element whose body could be empty would make the next
      // element's subsection look like its own, an ambiguity of the format itself (nothing is framed).
      const lead: Part = {
        fields: [field(`h${id}`, uint8)],
        gens: [[`h${id}`, fc.integer({ min: 0, max: 255 }), () => 0]],
      };
      const fields = [lead, ...parts].flatMap((p) => p.fields);
      const gens = [lead, ...parts].flatMap((p) => p.gens);
      const subs = subParts.map((sp, k) => ({
        name: `${name}/s${k}`,
        fields: sp.flatMap((p) => p.fields),
        gens: sp.flatMap((p) => p.gens),
      }));
      const subZero = subs.map((s) => assemble(s.gens, [], true));
      const desc = vmsd(name, {
        version,
        fields,
        subsections: (sub) =>
          subs.map((s, k) =>
            sub(s.name, {
              version: 1,
              fields: s.fields,
              // Needed exactly when the subsection's state is off its default: honest by construction.
              needed: (st: Record<string, unknown>) => {
                const zero = subZero[k] as Record<string, unknown>;
                return Object.keys(zero).some((key) => fc.stringify(st[key]) !== fc.stringify(zero[key]));
              },
            }),
          ),
      }) as Vmsd<Record<string, unknown>>;
      const zero = () => ({
        ...assemble(gens, [], true),
        ...Object.assign({}, ...subs.map((s) => assemble(s.gens, [], true))),
      });
      const state = fc
        .tuple(
          fc.tuple(...gens.map((g) => g[1])),
          fc.tuple(...subs.map((s) => fc.option(fc.tuple(...s.gens.map((g) => g[1])), { nil: undefined }))),
        )
        .map(([values, subValues]) => {
          const out = assemble(gens, values, false);
          subs.forEach((s, k) => {
            const v = subValues[k] as unknown[] | undefined;
            Object.assign(out, assemble(s.gens, v ?? [], v === undefined));
          });
          return out;
        });
      return { desc, state, zero };
    });
}

/** A description and one valid state for it. */
export const describedState: fc.Arbitrary<{
  desc: Vmsd<Record<string, unknown>>;
  state: Record<string, unknown>;
}> = fc
  .constant(null)
  .chain(() => descriptionGen(2))
  .chain((g) => g.state.map((state) => ({ desc: g.desc, state })));
