import type fc from 'fast-check';
import type { MigrationContext } from '../../describe/index.js';
import { checkOverridesUsed } from './arbitrary.js';
import { type Failure, type MigrationResult, migrateAlong, OUTCOMES, type Outcome } from './migrate.js';
import { CoverageCounter, type PredicateCoverage, visitSection } from './predicates.js';
import { type Found, forEachSample, shrinkWhile } from './search.js';
import { shapeOf, unrepresented } from './shape.js';
import { pathText } from './values.js';
import { versionArbitrary } from './version-arbitrary.js';
import type { ReleasedVersion, VersionSet, VersionState } from './versions.js';

export interface MatrixOptions {
  /** Generated states per cell (default 100). */
  runs?: number;
  /** fast-check seed: the same seed gives the same report (default 42). */
  seed?: number;
  /** Also run A→B→A and A→B→C chains (default true). */
  chains?: boolean;
  /** Shrink one counterexample per non-ok outcome and cell (default true). */
  shrink?: boolean;
  /** Per state path (prefixed by section key), for every version that has the member. */
  overrides?: Readonly<Record<string, fc.Arbitrary<unknown>>>;
  /** A model-specific generator of whole states for a version and machine type (undefined: derived). */
  arbitrary?: (version: ReleasedVersion, ctx: MigrationContext) => fc.Arbitrary<VersionState> | undefined;
  /** See `ArbitraryOptions.prevalent` (default 0.5). */
  prevalent?: number;
}

/** One shrunk state that makes a cell end in a non-ok outcome, and where it went wrong. */
export interface Counterexample extends Failure {
  /** The source state (of the route's first version), minimal as fast-check could shrink it. */
  readonly state: VersionState;
  readonly shrinks: number;
}

export interface MatrixCell {
  /** Version names: [source, destination], or [A, B, C] for a chain. */
  readonly route: readonly string[];
  readonly machine: string;
  readonly counts: Readonly<Record<Outcome, number>>;
  /** Refusals by MigrationError code (`unknown-subsection`, `version-too-new`, …). */
  readonly refusedBy: Readonly<Record<string, number>>;
  readonly examples: Readonly<Partial<Record<Exclude<Outcome, 'ok'>, Counterexample>>>;
  /** UNSAFE outcomes by the hop where the difference showed (index 0 = first hop; a round trip counts on the last). */
  readonly unsafeAt: readonly number[];
  /**
   * Both sides of every predicate the source's saves evaluated over the cell's states (shared by
   * the cells of one source and machine type, which migrate the same states): a side never taken
   * was never tested.
   */
  readonly coverage: readonly PredicateCoverage[];
}

export interface MatrixReport {
  readonly seed: number;
  readonly runs: number;
  readonly versions: readonly string[];
  readonly machines: readonly string[];
  /** Every ordered pair (including a version to itself) under every machine type both support. */
  readonly pairs: readonly MatrixCell[];
  readonly chains: readonly MatrixCell[];
  /** For each ordered pair of versions: members the source describes that the destination lacks. */
  readonly unrepresented: readonly { from: string; to: string; paths: readonly string[] }[];
  readonly totals: Readonly<Record<Outcome, number>>;
}

function zero(): Record<Outcome, number> {
  return { ok: 0, refused: 0, unsafe: 0, crash: 0 };
}

/** The worst outcome of a cell, for colouring: crash > unsafe > refused > ok. */
export function worstOutcome(counts: Readonly<Record<Outcome, number>>): Outcome {
  if (counts.crash > 0) return 'crash';
  if (counts.unsafe > 0) return 'unsafe';
  if (counts.refused > 0) return 'refused';
  return 'ok';
}

interface Accumulator {
  readonly route: readonly ReleasedVersion[];
  readonly counts: Record<Outcome, number>;
  readonly refusedBy: Record<string, number>;
  /** Per non-ok outcome, the indices of the samples that ended so (cells failing alike share a shrink). */
  readonly failing: Record<Outcome, number[]>;
  readonly unsafeAt: number[];
}

/**
 * The migration matrix: for every ordered pair of versions (and, with `chains`, every A→B→A and
 * A→B→C) and every machine type all of them support, migrates `runs` generated states of the
 * source and classifies each outcome; for each non-ok outcome of a cell, one counterexample shrunk
 * by fast-check, with the member path.
 */
export function runMatrix(set: VersionSet, options: MatrixOptions = {}): MatrixReport {
  const runs = options.runs ?? 100;
  const seed = options.seed ?? 42;
  const consumed = new Set<string>();
  const pairs: MatrixCell[] = [];
  const chains: MatrixCell[] = [];
  const totals = zero();
  for (const source of set.versions) {
    for (const machine of set.machines.names) {
      if (!source.machines.includes(machine)) continue;
      const ctx = set.machines.context(machine);
      const arb = options.arbitrary?.(source, ctx) ?? sourceArbitrary(set, source, ctx, options, consumed);
      const routes = routesFrom(set, source, machine, options.chains ?? true);
      const { acc, coverage } = sampleRoutes(source, routes, arb, ctx, { seed, runs });
      // Routes that failed on exactly the same samples usually shrink to the same state: shrink once,
      // and reuse the result for the others when it fails there the same way (checked).
      const shrunk = new Map<string, Found<VersionState> | undefined>();
      for (const a of acc) {
        const examples = (options.shrink ?? true) ? examplesOf(a, arb, ctx, { seed, runs }, shrunk) : {};
        for (const o of OUTCOMES) totals[o] += a.counts[o];
        const cell: MatrixCell = {
          route: a.route.map((v) => v.name),
          machine,
          counts: a.counts,
          refusedBy: a.refusedBy,
          examples,
          unsafeAt: a.unsafeAt,
          coverage,
        };
        (a.route.length === 2 ? pairs : chains).push(cell);
      }
    }
  }
  if (options.arbitrary === undefined) checkOverridesUsed(options.overrides, consumed);
  return {
    seed,
    runs,
    versions: set.versions.map((v) => v.name),
    machines: set.machines.names.filter((m) => set.versions.some((v) => v.machines.includes(m))),
    pairs,
    chains,
    unrepresented: unrepresentedPaths(set),
    totals,
  };
}

/** The generator of a source's states under one machine type, from the matrix options. */
function sourceArbitrary(
  set: VersionSet,
  source: ReleasedVersion,
  ctx: MigrationContext,
  options: MatrixOptions,
  consumed: Set<string>,
): fc.Arbitrary<VersionState> {
  return versionArbitrary(
    source,
    {
      ctx,
      ...(options.overrides ? { overrides: options.overrides } : {}),
      ...(options.prevalent === undefined ? {} : { prevalent: options.prevalent }),
      machineDefaults: set.machines.defaults,
      ...(set.switchesOff ? { switchesOff: set.switchesOff } : {}),
    },
    false,
    consumed,
  );
}

/** Migrates every sample along every route, counting outcomes and the predicate branches seen. */
function sampleRoutes(
  source: ReleasedVersion,
  routes: readonly (readonly ReleasedVersion[])[],
  arb: fc.Arbitrary<VersionState>,
  ctx: MigrationContext,
  sampling: { seed: number; runs: number },
): { acc: Accumulator[]; coverage: MatrixCell['coverage'] } {
  const acc: Accumulator[] = routes.map((route) => ({
    route,
    counts: zero(),
    refusedBy: {},
    failing: { ok: [], refused: [], unsafe: [], crash: [] },
    unsafeAt: new Array<number>(route.length - 1).fill(0),
  }));
  const coverage = new CoverageCounter();
  let index = 0;
  forEachSample(
    arb,
    (state) => {
      for (const s of source.sections) {
        const own = state[s.key];
        if (own !== undefined) visitSection(s, own, ctx, coverage.visit);
      }
      const firstHops = new Map();
      for (const a of acc) {
        const r = migrateAlong(a.route, state, ctx, firstHops);
        a.counts[r.outcome]++;
        if (r.outcome !== 'ok') a.failing[r.outcome].push(index);
        if (r.outcome === 'unsafe') a.unsafeAt[r.hop] = (a.unsafeAt[r.hop] ?? 0) + 1;
        if (r.outcome === 'refused') a.refusedBy[r.code] = (a.refusedBy[r.code] ?? 0) + 1;
      }
      index++;
    },
    sampling,
  );
  return { acc, coverage: coverage.result() };
}

/** One shrunk counterexample per non-ok outcome of a route (shrinks shared through `shrunk`). */
function examplesOf(
  a: Accumulator,
  arb: fc.Arbitrary<VersionState>,
  ctx: MigrationContext,
  sampling: { seed: number; runs: number },
  shrunk: Map<string, Found<VersionState> | undefined>,
): Partial<Record<Exclude<Outcome, 'ok'>, Counterexample>> {
  const examples: Partial<Record<Exclude<Outcome, 'ok'>, Counterexample>> = {};
  for (const outcome of OUTCOMES) {
    if (outcome === 'ok' || a.counts[outcome] === 0) continue;
    const bad = (s: VersionState) => migrateAlong(a.route, s, ctx).outcome === outcome;
    const key = `${outcome}|${a.failing[outcome].join(',')}`;
    const shared = shrunk.get(key);
    let found = shared && bad(shared.value) ? shared : undefined;
    if (!found) {
      found = shrinkWhile(arb, bad, sampling);
      if (!shrunk.has(key)) shrunk.set(key, found);
    }
    if (!found) continue;
    const r = migrateAlong(a.route, found.value, ctx) as MigrationResult;
    if (r.outcome === 'ok') continue;
    examples[r.outcome] = { ...r, state: found.value, shrinks: found.shrinks };
  }
  return examples;
}

/** For every ordered pair of versions, the state paths the target cannot hold. */
function unrepresentedPaths(set: VersionSet): MatrixReport['unrepresented'] {
  const unrep: MatrixReport['unrepresented'][number][] = [];
  for (const from of set.versions) {
    for (const to of set.versions) {
      if (from === to) continue;
      const paths: string[] = [];
      const targets = new Map(to.sections.map((s) => [s.key, s]));
      for (const s of from.sections) {
        const t = targets.get(s.key);
        if (!t) paths.push(s.key);
        else
          for (const p of unrepresented(shapeOf(s.vmsd), shapeOf(t.vmsd), [s.key])) paths.push(pathText(p));
      }
      unrep.push({ from: from.name, to: to.name, paths });
    }
  }
  return unrep;
}

/**
 * The chains whose UNSAFE outcomes showed on the hop `pair` makes (same machine type): a pair that
 * is `ok` on its own can still be where state is lost on the way (A→B→A loses at B→A).
 */
export function chainsThrough(report: MatrixReport, pair: MatrixCell): MatrixCell[] {
  const [from, to] = pair.route;
  return report.chains.filter(
    (c) =>
      c.machine === pair.machine &&
      c.route.some((v, i) => v === from && c.route[i + 1] === to && (c.unsafeAt[i] ?? 0) > 0),
  );
}

function routesFrom(
  set: VersionSet,
  source: ReleasedVersion,
  machine: string,
  withChains: boolean,
): ReleasedVersion[][] {
  const out: ReleasedVersion[][] = [];
  const on = (v: ReleasedVersion) => v.machines.includes(machine);
  for (const b of set.versions) {
    if (!on(b)) continue;
    out.push([source, b]);
  }
  if (!withChains) return out;
  for (const b of set.versions) {
    if (b === source || !on(b)) continue;
    for (const c of set.versions) {
      if (c === b || !on(c)) continue;
      out.push([source, b, c]);
    }
  }
  return out;
}
