import type { MigrationContext, Vmsd } from '../../describe/index.js';
import { migrateAlong, OUTCOMES, type Outcome } from './migrate.js';
import { visitSection } from './predicates.js';
import { wilsonInterval } from './stats.js';
import type { Trace } from './trace-record.js';
import type { ReleasedVersion, VersionSet } from './versions.js';

type Obj = Record<string, unknown>;

/** A run of consecutive steps, `end` exclusive. */
export interface Stretch {
  readonly start: number;
  readonly end: number;
}

export interface SubsectionPrevalence {
  /** `section › field[] › subsection`: where the subsection sits (`[]`: any element of an array). */
  readonly path: string;
  readonly steps: number;
  /** Steps in which it would be sent. */
  readonly needed: number;
  readonly fraction: number;
  /** The longest run of consecutive steps in which it is needed (undefined: never needed). */
  readonly longest?: Stretch;
  /** Every run of steps in which it is needed, in order. */
  readonly stretches: readonly Stretch[];
  /** Per phase label of the trace: steps in that phase and how many needed it. */
  readonly byPhase: readonly { phase: string; steps: number; needed: number }[];
}

export interface DestinationRisk {
  readonly to: string;
  readonly steps: number;
  /** Steps whose migration would not end `ok` (refused, unsafe or crash). */
  readonly failing: number;
  readonly rate: number;
  /** 95% Wilson interval of `rate`. Steps of a trace are correlated: read it as indicative. */
  readonly ci95: readonly [number, number];
  readonly counts: Readonly<Record<Outcome, number>>;
  readonly refusedBy: Readonly<Record<string, number>>;
}

export interface PrevalenceReport {
  readonly version: string;
  readonly machine: string;
  readonly steps: number;
  /** Consecutive steps with the same phase label. */
  readonly phases: readonly (Stretch & { phase: string })[];
  readonly subsections: readonly SubsectionPrevalence[];
  readonly destinations: readonly DestinationRisk[];
}

/** Lists every subsection under `desc` as not needed (unless already seen needed). */
function declare(desc: Vmsd, prefix: string, out: Map<string, boolean>, depth = 0): void {
  if (depth > 16) return;
  for (const f of desc.fields) {
    const t = f.type.kind === 'pointer' ? f.type.target : f.type;
    if (t.kind !== 'struct' || f.key === undefined) continue;
    declare(t.vmsd, `${prefix} › ${f.key}${f.count.kind === 'one' ? '' : '[]'}`, out, depth + 1);
  }
  for (const s of desc.subsections) {
    const path = `${prefix} › ${s.name}`;
    if (!out.has(path)) out.set(path, false);
    declare(s, prefix, out, depth + 1);
  }
}

function stretchesOf(series: readonly boolean[]): Stretch[] {
  const out: Stretch[] = [];
  let start = -1;
  series.forEach((b, i) => {
    if (b && start < 0) start = i;
    if (!b && start >= 0) {
      out.push({ start, end: i });
      start = -1;
    }
  });
  if (start >= 0) out.push({ start, end: series.length });
  return out;
}

/**
 * How a workload uses its optional state, and what that means for backward migration: for each
 * subsection, the fraction of steps in which it is needed, its longest stretch, its stretches and
 * phases; for each other version supporting the trace's machine type, the share of steps at which
 * migrating there would not end `ok`, with a 95% Wilson interval.
 */
export function prevalence(
  set: VersionSet,
  trace: Trace,
  options: { destinations?: readonly string[] } = {},
): PrevalenceReport {
  const source = set.version(trace.version);
  const ctx = set.machines.context(trace.machine);
  const n = trace.steps.length;
  const series = new Map<string, boolean[]>();
  trace.steps.forEach((step, i) => {
    const needed = new Map<string, boolean>();
    for (const s of source.sections) {
      const state = step.state[s.key] as Obj | undefined;
      if (state === undefined) continue;
      if (s.vmsd.needed) needed.set(`${s.key} (section)`, false);
      // Every subsection is listed, so one never needed shows up as such; any element counts.
      declare(s.vmsd, s.key, needed);
      visitSection(s, state, ctx, (kind, path, value) => {
        if (kind !== 'exists') needed.set(path, (needed.get(path) ?? false) || value);
      });
    }
    for (const [path, b] of needed) {
      const list = series.get(path) ?? new Array<boolean>(i).fill(false);
      list.push(b);
      series.set(path, list);
    }
    for (const list of series.values()) if (list.length < i + 1) list.push(false);
  });
  const phases: (Stretch & { phase: string })[] = [];
  trace.steps.forEach((step, i) => {
    const phase = step.phase ?? '';
    const last = phases[phases.length - 1];
    if (last && last.phase === phase) phases[phases.length - 1] = { ...last, end: i + 1 };
    else phases.push({ phase, start: i, end: i + 1 });
  });
  const labelled = trace.steps.some((s) => s.phase !== undefined);
  const subsections: SubsectionPrevalence[] = [...series].map(([path, list]) => {
    const stretches = stretchesOf(list);
    const needed = list.filter(Boolean).length;
    const longest = stretches.reduce<Stretch | undefined>(
      (best, s) => (best === undefined || s.end - s.start > best.end - best.start ? s : best),
      undefined,
    );
    const byPhase = new Map<string, { phase: string; steps: number; needed: number }>();
    if (labelled) {
      list.forEach((b, i) => {
        const phase = trace.steps[i]?.phase ?? '';
        const e = byPhase.get(phase) ?? { phase, steps: 0, needed: 0 };
        e.steps++;
        if (b) e.needed++;
        byPhase.set(phase, e);
      });
    }
    return {
      path,
      steps: n,
      needed,
      fraction: n === 0 ? 0 : needed / n,
      ...(longest ? { longest } : {}),
      stretches,
      byPhase: [...byPhase.values()],
    };
  });
  const destinations = set.versions
    .filter((v) => v !== source && v.machines.includes(trace.machine))
    .filter((v) => options.destinations === undefined || options.destinations.includes(v.name))
    .map((to) => risk(source, to, trace, ctx));
  return {
    version: source.name,
    machine: trace.machine,
    steps: n,
    phases: labelled ? phases : [],
    subsections,
    destinations,
  };
}

function risk(
  source: ReleasedVersion,
  to: ReleasedVersion,
  trace: Trace,
  ctx: MigrationContext,
): DestinationRisk {
  const counts: Record<Outcome, number> = { ok: 0, refused: 0, unsafe: 0, crash: 0 };
  const refusedBy: Record<string, number> = {};
  for (const step of trace.steps) {
    const r = migrateAlong([source, to], step.state, ctx);
    counts[r.outcome]++;
    if (r.outcome === 'refused') refusedBy[r.code] = (refusedBy[r.code] ?? 0) + 1;
  }
  const steps = trace.steps.length;
  const failing = OUTCOMES.filter((o) => o !== 'ok').reduce((sum, o) => sum + counts[o], 0);
  return {
    to: to.name,
    steps,
    failing,
    rate: steps === 0 ? 0 : failing / steps,
    ci95: wilsonInterval(failing, steps),
    counts,
    refusedBy,
  };
}
