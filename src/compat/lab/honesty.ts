import type fc from 'fast-check';
import { initial, load, save, sectionNeeded, subsectionNeeded } from '../../codec/index.js';
import {
  defaultContext,
  type MigrationContext,
  type PropValue,
  type Subsection,
  type Vmsd,
} from '../../describe/index.js';
import type { PathSegment } from '../../errors/index.js';
import { arbitraryFor } from './arbitrary.js';
import { forEachSample, shrinkWhile } from './search.js';
import { firstDifference, shapeOf } from './shape.js';
import { sameValue } from './values.js';
import type { VersionSet } from './versions.js';
import { mergedSubsections, reachableDescriptions, subsectionKeys } from './walk.js';

export interface HonestyOptions {
  ctx?: MigrationContext;
  runs?: number;
  seed?: number;
  /** Per description name, overrides as in `arbitraryFor` (paths relative to that description). */
  overrides?: Readonly<Record<string, Readonly<Record<string, fc.Arbitrary<unknown>>>>>;
  machineDefaults?: Readonly<Record<string, PropValue>>;
  /** See `ArbitraryOptions.switchesOff`. */
  switchesOff?: readonly string[];
}

/** A state where `needed` said "not needed" but the receiver does not reconstruct the sender's value. */
export interface DishonestExample {
  readonly state: Record<string, unknown>;
  /** The member that differs, within the description. */
  readonly path: readonly PathSegment[];
  /** The sender's value. */
  readonly sent: unknown;
  /** What a receiver holds after loading without the subsection. */
  readonly reconstructed: unknown;
  readonly shrinks: number;
}

export interface HonestyFinding {
  /** The description the subsection belongs to. */
  readonly description: string;
  /** Subsection names from the description down (a subsection of a subsection has two), or `(section)`. */
  readonly subsection: readonly string[];
  readonly machine: string;
  readonly runs: number;
  /** States where `needed` was false. */
  readonly notNeeded: number;
  /** Of those, states where the receiver's reconstruction differs from the sender's value. */
  readonly dishonest: number;
  readonly example?: DishonestExample;
}

type Obj = Record<string, unknown>;

interface Verdict {
  needed: boolean;
  difference?: { path: readonly PathSegment[]; sent: unknown; reconstructed: unknown };
}

/** Saves with the sender's `needed`, loads on a fresh receiver, compares the subsection's members. */
function judgeSubsection(desc: Vmsd, chain: readonly Subsection[], x: Obj, ctx: MigrationContext): Verdict {
  const sent = structuredClone(x);
  const bytes = save(desc, sent as never, { ctx });
  // Nested subsections are written only when every parent is.
  if (chain.every((s) => subsectionNeeded(s, sent, ctx))) return { needed: true };
  const target = chain[chain.length - 1] as Subsection;
  const rec = load(desc, bytes, { ctx }) as Obj;
  for (const k of subsectionKeys(target)) {
    if (!sameValue(sent[k], rec[k]))
      return { needed: false, difference: { path: [k], sent: sent[k], reconstructed: rec[k] } };
  }
  return { needed: false };
}

function judgeSection(desc: Vmsd, x: Obj, ctx: MigrationContext): Verdict {
  if (sectionNeeded(desc, x, ctx)) return { needed: true };
  const rec = initial(desc) as Obj;
  const d = firstDifference(shapeOf(desc), shapeOf(desc), x, rec);
  return d
    ? { needed: false, difference: { path: d.path, sent: d.expected, reconstructed: d.actual } }
    : { needed: false };
}

function safely(judge: () => Verdict): Verdict | undefined {
  try {
    return judge();
  } catch {
    // A state the description cannot save or reload says nothing about `needed`.
    return undefined;
  }
}

/**
 * Checks QEMU's honesty condition for every subsection reachable from `desc` (and the section's
 * own `needed`): whenever `needed` is false, what a receiver reconstructs (reset state, preLoad,
 * postLoad) must equal the sender's value. Dishonest predicates come with a shrunk state.
 */
export function checkNeededHonesty(desc: Vmsd, options: HonestyOptions = {}): HonestyFinding[] {
  const ctx = options.ctx ?? defaultContext;
  const runs = options.runs ?? 200;
  const seed = options.seed ?? 42;
  const findings: HonestyFinding[] = [];
  for (const d of reachableDescriptions(desc)) {
    const subs = mergedSubsections(d);
    const judges: { subsection: string[]; judge: (x: Obj) => Verdict | undefined }[] = subs
      .filter(({ sub }) => sub.needed !== undefined)
      .map(({ chain }) => {
        const path = chainOf(d, chain);
        return { subsection: chain, judge: (x: Obj) => safely(() => judgeSubsection(d, path, x, ctx)) };
      });
    if (d === desc && desc.needed) {
      judges.push({ subsection: ['(section)'], judge: (x: Obj) => safely(() => judgeSection(desc, x, ctx)) });
    }
    if (judges.length === 0) continue;
    const arb = arbitraryFor(d, {
      ctx,
      ...(options.overrides?.[d.name] ? { overrides: options.overrides[d.name] } : {}),
      ...(options.machineDefaults ? { machineDefaults: options.machineDefaults } : {}),
      ...(options.switchesOff ? { switchesOff: options.switchesOff } : {}),
    }) as fc.Arbitrary<Obj>;
    const tallies = judges.map(() => ({ notNeeded: 0, dishonest: 0 }));
    const samples: Obj[] = [];
    forEachSample(arb, (x) => samples.push(x), { seed, runs });
    for (const x of samples) {
      judges.forEach((j, i) => {
        const v = j.judge(x);
        const t = tallies[i] as { notNeeded: number; dishonest: number };
        if (v && !v.needed) t.notNeeded++;
        if (v?.difference) t.dishonest++;
      });
    }
    judges.forEach((j, i) => {
      const t = tallies[i] as { notNeeded: number; dishonest: number };
      let example: DishonestExample | undefined;
      if (t.dishonest > 0) {
        const found = shrinkWhile(arb, (x) => j.judge(x)?.difference !== undefined, { seed, runs });
        const diff = found ? j.judge(found.value)?.difference : undefined;
        if (found && diff) example = { state: found.value, ...diff, shrinks: found.shrinks };
      }
      findings.push({
        description: d.name,
        subsection: j.subsection,
        machine: ctx.machine,
        runs: samples.length,
        notNeeded: t.notNeeded,
        dishonest: t.dishonest,
        ...(example ? { example } : {}),
      });
    });
  }
  return findings;
}

function chainOf(desc: Vmsd, names: readonly string[]): Subsection[] {
  const out: Subsection[] = [];
  let at: Vmsd = desc;
  for (const n of names) {
    const s = at.subsections.find((x) => x.name === n) as Subsection;
    out.push(s);
    at = s;
  }
  return out;
}

/** {@link checkNeededHonesty} for every section of every version under every machine type it runs. */
export function checkVersionsHonesty(
  set: VersionSet,
  options: Omit<HonestyOptions, 'ctx' | 'machineDefaults' | 'switchesOff'> = {},
): (HonestyFinding & { readonly versions: readonly string[] })[] {
  // Versions often share a description: check each (description, machine type) once.
  const checked = new Map<Vmsd, Map<string, (HonestyFinding & { versions: string[] })[]>>();
  const out: (HonestyFinding & { versions: string[] })[] = [];
  for (const v of set.versions) {
    for (const s of v.sections) {
      const byMachine = checked.get(s.vmsd) ?? new Map<string, (HonestyFinding & { versions: string[] })[]>();
      checked.set(s.vmsd, byMachine);
      for (const machine of v.machines) {
        const earlier = byMachine.get(machine);
        if (earlier) {
          for (const f of earlier) f.versions.push(v.name);
          continue;
        }
        const found = checkNeededHonesty(s.vmsd, {
          ...options,
          ctx: set.machines.context(machine),
          machineDefaults: set.machines.defaults,
          ...(set.switchesOff ? { switchesOff: set.switchesOff } : {}),
        }).map((f) => ({ ...f, versions: [v.name] }));
        byMachine.set(machine, found);
        out.push(...found);
      }
    }
  }
  return out;
}
