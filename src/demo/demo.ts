import { type LabReport, renderLabHtml, runLab, TraceRecorder, wilsonInterval } from '../compat/lab/index.js';
import { MigrationError, type Subsection } from '../index.js';
import { POLICIES, type Policy } from './description.js';
import { formatDemoText } from './format.js';
import { hex8 } from './hash.js';
import { demoHtml, verdictHtml } from './html.js';
import type { LoadedDevices } from './machine.js';
import { addTally, countsOf, emptyTally, stateLabel, type Tally } from './outcomes.js';
import {
  compareRuns,
  continueRun,
  digestController,
  forkAt,
  type Reference,
  type Run,
  record,
  type Workload,
} from './run.js';
import { RUNTIMES } from './runtime.js';
import { machines, NEW_MACHINE, OLD_MACHINE, RELEASES, type Release, versions } from './versions.js';
import { PROFILE_NAMES, PROFILES, type ProfileName, type Stretch, workload } from './workloads.js';

/**
 * `vmstate demo`: runs each workload profile unmigrated on both runtimes, then migrates it at
 * many random steps between every pair of releases and every machine type they share — saving
 * the devices to bytes, loading them into fresh devices of the destination release, and letting
 * the guest carry on there — and compares what the guest saw with the unmigrated run.
 */

export interface DemoOptions {
  /** Seeds the workloads and the choice of migration points (default 1). */
  readonly seed?: number;
  /** Random migration points per profile and source runtime (default 200). */
  readonly steps?: number;
  /**
   * Extra migration points per profile and per kind of state in which the phase is not
   * prevalent (default 20): what happens when a migration hits such a state.
   */
  readonly rare?: number;
  /** Sectors each workload reads and writes (default 200). */
  readonly sectors?: number;
  readonly profiles?: readonly ProfileName[];
  /** Run every migrated workload to its end, without the convergence shortcut and sharing. */
  readonly full?: boolean;
  /** Also run the compatibility lab on the four releases, with a trace of this workload. */
  readonly lab?: {
    readonly runs?: number;
    readonly traceSteps?: number;
    readonly traceProfile?: ProfileName;
  };
  readonly onProgress?: (done: number, total: number, what: string) => void;
}

export type Sample = 'random' | 'rare';

export interface CellReport extends Tally {
  readonly profile: ProfileName;
  readonly sample: Sample;
  readonly source: Policy;
  readonly destination: Policy;
  readonly machine: string;
}

export interface ProfileReport {
  readonly profile: ProfileName;
  readonly summary: string;
  readonly ops: number;
  readonly sectors: number;
  /** Steps of the unmigrated run per runtime, and its virtual duration. */
  readonly steps: { readonly v1: number; readonly v2: number };
  readonly virtualSeconds: number;
  /** Steps of the second runtime in which the phase is not what the MSR suggests. */
  readonly notPrevalent: {
    readonly steps: number;
    readonly fraction: number;
    /** Share of virtual time spent in such states. */
    readonly timeFraction: number;
    readonly byStretch: Readonly<Record<Stretch, { steps: number; notPrevalent: number }>>;
    readonly byState: Readonly<Record<string, number>>;
  };
  /** How often each release's save contains `fdc/phase`, per machine type (steps of the v2 run). */
  readonly phaseSent: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** The first release never has a phase that differs from the MSR inference. */
  readonly v1AlwaysPrevalent: boolean;
  /** Unmigrated runs on both runtimes: same driver log, interrupts and disks. */
  readonly runtimesAgree: boolean;
}

export interface Outcomes {
  readonly attempts: number;
  readonly loaded: number;
  readonly refused: number;
  /** Refusals where the same state without the phase would have run on unchanged. */
  readonly needless: number;
  readonly changed: number;
  readonly symptoms: Tally['symptoms'];
  readonly byState: Tally['byState'];
}

export interface PolicyRow {
  readonly profile: ProfileName;
  /** Share of steps whose save contains `fdc/phase`, per machine type. */
  readonly phaseSent: Readonly<Record<string, number>>;
  /** v2x → v1 on the old machine type, at random points and at non-prevalent points. */
  readonly backward: Outcomes;
  readonly backwardRare: Outcomes;
  /** v2x → v2x on the old machine type (both sides upgraded, old machine type kept). */
  readonly sameOld: Outcomes;
  readonly sameOldRare: Outcomes;
  /** v1 → v2x: the upgrade. */
  readonly forward: Outcomes;
}

export interface PolicyReport {
  readonly policy: 'a' | 'b' | 'c';
  readonly release: Policy;
  readonly summary: string;
  readonly rows: readonly PolicyRow[];
}

/** A share with its 95% Wilson interval. */
export interface Rate {
  readonly count: number;
  readonly of: number;
  readonly rate: number;
  readonly ci95: readonly [number, number];
}

/**
 * The demo's answer for one policy: backward migration to v1 on the old machine type, at the
 * random points of every profile (what a rollback at an arbitrary moment meets), and at the
 * targeted non-prevalent points (what it meets in the states that matter).
 */
export interface PolicyVerdict {
  readonly policy: 'a' | 'b' | 'c';
  readonly release: Policy;
  /** Loaded, and the guest went on exactly as without the migration. */
  readonly success: Rate;
  /** Refused by the destination: safe, the source keeps running. */
  readonly refused: Rate;
  /** Loaded, and the guest saw something different: silent. */
  readonly silentChange: Rate;
  /** The same at the targeted points in which the phase is not prevalent. */
  readonly targeted: { readonly refused: Rate; readonly silentChange: Rate };
}

export interface Check {
  readonly claim: string;
  readonly holds: boolean;
  readonly detail: string;
}

export interface DemoReport {
  readonly seed: number;
  readonly steps: number;
  readonly rare: number;
  readonly sectors: number;
  readonly full: boolean;
  readonly machines: readonly string[];
  readonly releases: readonly {
    name: Policy;
    summary: string;
    machines: readonly string[];
    runtime: string;
  }[];
  readonly profiles: readonly ProfileReport[];
  readonly policies: readonly PolicyReport[];
  /** The answer, per policy: backward success, refusal and silent-change rates with intervals. */
  readonly verdicts: readonly PolicyVerdict[];
  readonly cells: readonly CellReport[];
  readonly checks: readonly Check[];
  readonly migrations: number;
  readonly elapsedMs: number;
}

export interface DemoResult {
  readonly report: DemoReport;
  /** The lab's report on the four releases (when `lab` was asked for). */
  readonly lab?: LabReport;
}

const ALL: readonly Release[] = POLICIES.map((p) => RELEASES[p]);

/** The `fdc/phase` subsection of a release's description (undefined for the first release). */
function phaseSubsection(r: Release): Subsection | undefined {
  const state = r.section.fields[0]?.type;
  if (state?.kind !== 'struct') return undefined;
  return state.vmsd.subsections.find((s) => s.name === 'fdc/phase');
}

/** `n` distinct values of `pool` (all of them when there are fewer), chosen with the seed, sorted. */
function sample(pool: readonly number[], n: number, seed: number): number[] {
  const r = { rng: seed | 0 };
  const copy = [...pool];
  const take = Math.min(n, copy.length);
  for (let i = 0; i < take; i++) {
    r.rng = (r.rng + 0x6d2b79f5) | 0;
    let t = r.rng;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const j = i + Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (copy.length - i));
    [copy[i], copy[j]] = [copy[j] as number, copy[i] as number];
  }
  return copy.slice(0, take).sort((a, b) => a - b);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

function sameObservations(a: Run, b: Run): boolean {
  return (
    a.driver.log.join('\n') === b.driver.log.join('\n') &&
    a.machine.irqLog.join('|') === b.machine.irqLog.join('|') &&
    a.machine.disks.every((d, i) => d.digest === b.machine.disks[i]?.digest)
  );
}

interface Cells {
  get(profile: ProfileName, sample: Sample, s: Policy, d: Policy, machine: string): Tally;
  all(): CellReport[];
}

function cells(): Cells {
  const map = new Map<string, CellReport>();
  return {
    get(profile, sample, source, destination, machine) {
      const key = `${profile}|${sample}|${source}|${destination}|${machine}`;
      let c = map.get(key);
      if (!c) {
        c = { profile, sample, source, destination, machine, ...emptyTally() };
        map.set(key, c);
      }
      return c;
    },
    all: () => [...map.values()],
  };
}

/** Migrates at step `k` of `ref` to every release that shares a machine type with the source's. */
interface Moment {
  readonly k: number;
  readonly op: number;
  readonly doing: string;
  readonly label: string;
}

type Group = { devices: LoadedDevices; tallies: Tally[]; keys: string[] };
type Outcome = 'refused' | 'unchanged' | 'changed';

function recordRefusal(tally: Tally, e: MigrationError, at: Moment): void {
  const counts = countsOf(tally.byState, at.label);
  tally.refused++;
  counts.refused++;
  tally.refusedBy[e.code] = (tally.refusedBy[e.code] ?? 0) + 1;
  if (tally.examples.length < 4) {
    tally.examples.push({
      step: at.k,
      op: at.op,
      doing: at.doing,
      state: at.label,
      outcome: 'refused',
      what: e.code,
    });
  }
}

function loadEverywhere(
  w: Workload,
  ref: Reference,
  m: ReturnType<typeof forkAt>['run']['machine'],
  sampleName: Sample,
  table: Cells,
  full: boolean,
  at: Moment,
  out: { groups: Map<string, Group>; outcome: Map<string, Outcome>; refusedBackward: Tally[] },
): number {
  const { groups, outcome, refusedBackward } = out;
  let migrations = 0;
  for (const src of ALL.filter((r) => r.runtime === ref.runtime)) {
    for (const machine of src.machines) {
      const ctx = machines.context(machine);
      const bytes = m.save(src.section, ctx);
      for (const dst of ALL.filter((r) => r.machines.includes(machine))) {
        const tally = table.get(w.profile.name, sampleName, src.name, dst.name, machine);
        const counts = countsOf(tally.byState, at.label);
        tally.attempts++;
        counts.attempts++;
        migrations++;
        let devices: LoadedDevices;
        try {
          devices = m.load(dst.runtime, dst.section, ctx, bytes);
        } catch (e) {
          if (!(e instanceof MigrationError)) throw e;
          recordRefusal(tally, e, at);
          outcome.set(`${src.name}>${dst.name}@${machine}`, 'refused');
          if (dst.name === 'v1' && machine === OLD_MACHINE) refusedBackward.push(tally);
          continue;
        }
        // Equal loaded states have the same future: continue the guest once per distinct state.
        const key = full
          ? `${groups.size}`
          : `${dst.runtime.name}:${hex8(digestController(devices.fdc.state))}`;
        const g = groups.get(key) ?? { devices, tallies: [], keys: [] };
        g.tallies.push(tally);
        g.keys.push(`${src.name}>${dst.name}@${machine}`);
        groups.set(key, g);
      }
    }
  }
  return migrations;
}

function continueGroup(
  g: Group,
  fork: ReturnType<typeof forkAt>,
  dest: Reference,
  w: Workload,
  full: boolean,
  at: Moment,
  outcome: Map<string, Outcome>,
): void {
  fork.run.machine.install(g.devices);
  const c = continueRun(fork, dest, w, full);
  const cmp = c.ending === 'same' ? undefined : compareRuns(c.run, c.reference, c.ending === 'stuck');
  for (const key of g.keys) outcome.set(key, cmp?.changed ? 'changed' : 'unchanged');
  for (const tally of g.tallies) {
    const counts = tally.byState[at.label] as Tally['byState'][string];
    if (!cmp?.changed) {
      tally.unchanged++;
      counts.unchanged++;
      continue;
    }
    tally.changed++;
    counts.changed++;
    for (const s of cmp.symptoms) tally.symptoms[s]++;
    if (tally.examples.length < 4) {
      const what = `${cmp.symptoms.join(', ') || 'different log'}${cmp.firstDifference ? `; first difference: "${cmp.firstDifference}"` : ''}`;
      tally.examples.push({
        step: at.k,
        op: at.op,
        doing: at.doing,
        state: at.label,
        outcome: 'changed',
        what,
      });
    }
  }
}

function migrateAt(
  w: Workload,
  refs: Readonly<Record<'v1' | 'v2', Reference>>,
  ref: Reference,
  k: number,
  sampleName: Sample,
  table: Cells,
  full: boolean,
): number {
  const source = forkAt(ref, k);
  const m = source.run.machine;
  const label = stateLabel(m.fdc.s);
  const op = w.ops[source.op];
  const at: Moment = { k, op: source.op, doing: op ? op.k : '?', label };
  const groups = new Map<string, Group>();
  const outcome = new Map<string, Outcome>();
  const refusedBackward: Tally[] = [];
  const migrations = loadEverywhere(w, ref, m, sampleName, table, full, at, {
    groups,
    outcome,
    refusedBackward,
  });
  const list = [...groups.values()];
  list.forEach((g, i) => {
    const fork = i === list.length - 1 ? source : forkAt(ref, k);
    continueGroup(g, fork, refs[g.devices.runtime.name], w, full, at, outcome);
  });
  // Would the refused bytes have done any harm? v2b sends the same state without the phase.
  if (outcome.get(`v2b>v1@${OLD_MACHINE}`) === 'unchanged') {
    for (const tally of refusedBackward) {
      tally.needless++;
      (tally.byState[label] as Tally['byState'][string]).needless++;
    }
  }
  return migrations;
}

function outcomes(t: Tally): Outcomes {
  return {
    attempts: t.attempts,
    loaded: t.attempts - t.refused,
    refused: t.refused,
    needless: t.needless,
    changed: t.changed,
    symptoms: t.symptoms,
    byState: t.byState,
  };
}

function sum(list: readonly CellReport[]): Tally {
  const t = emptyTally();
  for (const c of list) addTally(t, c);
  return t;
}

function policyReports(profiles: readonly ProfileReport[], all: readonly CellReport[]): PolicyReport[] {
  const pick = (profile: ProfileName, sampleName: Sample, s: Policy, d: Policy) =>
    outcomes(
      sum(
        all.filter(
          (c) =>
            c.profile === profile &&
            c.sample === sampleName &&
            c.source === s &&
            c.destination === d &&
            c.machine === OLD_MACHINE,
        ),
      ),
    );
  return (['a', 'b', 'c'] as const).map((policy) => {
    const release = `v2${policy}` as Policy;
    return {
      policy,
      release,
      summary: RELEASES[release].summary,
      rows: profiles.map((p) => ({
        profile: p.profile,
        phaseSent: p.phaseSent[release] ?? {},
        backward: pick(p.profile, 'random', release, 'v1'),
        backwardRare: pick(p.profile, 'rare', release, 'v1'),
        sameOld: pick(p.profile, 'random', release, release),
        sameOldRare: pick(p.profile, 'rare', release, release),
        forward: pick(p.profile, 'random', 'v1', release),
      })),
    };
  });
}

function rate(count: number, of: number): Rate {
  return { count, of, rate: of === 0 ? 0 : count / of, ci95: wilsonInterval(count, of) };
}

function verdicts(policies: readonly PolicyReport[]): PolicyVerdict[] {
  return policies.map((p) => {
    const total = (pick: (r: PolicyRow) => Outcomes) =>
      p.rows.reduce(
        (t, r) => {
          const o = pick(r);
          return {
            attempts: t.attempts + o.attempts,
            refused: t.refused + o.refused,
            changed: t.changed + o.changed,
          };
        },
        { attempts: 0, refused: 0, changed: 0 },
      );
    const random = total((r) => r.backward);
    const rare = total((r) => r.backwardRare);
    return {
      policy: p.policy,
      release: p.release,
      success: rate(random.attempts - random.refused - random.changed, random.attempts),
      refused: rate(random.refused, random.attempts),
      silentChange: rate(random.changed, random.attempts),
      targeted: {
        refused: rate(rare.refused, rare.attempts),
        silentChange: rate(rare.changed, rare.attempts),
      },
    };
  });
}

function checks(profiles: readonly ProfileReport[], all: readonly CellReport[]): Check[] {
  const of = (f: (c: CellReport) => boolean) => sum(all.filter(f));
  const a = of((c) => ['v1', 'v2a'].includes(c.source) && ['v1', 'v2a'].includes(c.destination));
  const aBack = of((c) => c.source === 'v2a' && c.destination === 'v1');
  const bBack = of((c) => c.source === 'v2b' && c.destination === 'v1');
  const bBackRare = of((c) => c.source === 'v2b' && c.destination === 'v1' && c.sample === 'rare');
  const bSame = of((c) => c.source === 'v2b' && c.destination === 'v2b' && c.machine === OLD_MACHINE);
  const cBack = of((c) => c.source === 'v2c' && c.destination === 'v1');
  const forward = of((c) => c.source === 'v1' && c.destination !== 'v1');
  const newMachine = of((c) => c.machine === NEW_MACHINE);
  const needlessStates = Object.entries(aBack.byState)
    .filter(([, v]) => v.needless > 0)
    .map(([k, v]) => `${v.needless} in ${k}`);
  return [
    {
      claim:
        '(a) every failed migration between v1 and v2a is a refusal, and none that loads changes behaviour',
      holds: a.changed === 0,
      detail: `${a.attempts} migrations: ${a.refused} refused, ${a.unchanged} unchanged, ${a.changed} changed`,
    },
    {
      // The expected finding, stated as what is expected: (a) is conservative, not exact.
      claim:
        '(a) is conservative: some backward refusals v2a → v1 protect nothing (the loss would be harmless)',
      holds: aBack.changed === 0 && aBack.needless > 0,
      detail: `${aBack.refused} refusals, ${aBack.needless} of them needless${needlessStates.length > 0 ? ` (${needlessStates.join('; ')})` : ''}`,
    },
    {
      claim: '(b) backward migration v2b → v1 on pc-2.3 never fails',
      holds: bBack.refused === 0,
      detail: `${bBack.attempts} migrations, ${bBack.refused} refused`,
    },
    {
      claim: '(b) ... and is silently wrong in the rare states',
      holds: bBackRare.changed > 0,
      detail: `at random points ${bBack.changed - bBackRare.changed} of ${bBack.attempts - bBackRare.attempts} changed behaviour; in non-prevalent states ${bBackRare.changed} of ${bBackRare.attempts}`,
    },
    {
      claim: '(b) keeps losing the phase between two v2b hosts on pc-2.3',
      holds: bSame.changed > 0,
      detail: `${bSame.attempts} migrations v2b → v2b on pc-2.3: ${bSame.changed} changed behaviour`,
    },
    {
      claim: '(c) backward migration v2c → v1 fails only by refusal, as (a)',
      holds: cBack.changed === 0,
      detail: `${cBack.attempts} migrations: ${cBack.refused} refused, ${cBack.changed} changed`,
    },
    {
      claim: 'forward migration v1 → v2a/v2b/v2c gives the unmigrated disk images and behaviour',
      holds: forward.changed === 0,
      detail: `${forward.attempts} migrations: ${forward.changed} changed, ${forward.symptoms['corrupted-disk']} with a different disk image`,
    },
    {
      claim: 'on pc-2.4 no migration changes behaviour or is refused',
      holds: newMachine.changed === 0 && newMachine.refused === 0,
      detail: `${newMachine.attempts} migrations: ${newMachine.refused} refused, ${newMachine.changed} changed`,
    },
    {
      claim: 'the first release never has a phase the MSR does not tell (v1 runtime)',
      holds: profiles.every((p) => p.v1AlwaysPrevalent),
      detail: profiles.map((p) => `${p.profile}: ${p.steps.v1} steps`).join(', '),
    },
    {
      claim: 'unmigrated runs of both runtimes see the same results, data, interrupts and disks',
      holds: profiles.every((p) => p.runtimesAgree),
      detail: profiles.map((p) => `${p.profile}: ${p.runtimesAgree ? 'same' : 'DIFFERENT'}`).join(', '),
    },
  ];
}

interface Plan {
  w: Workload;
  refs: Record<'v1' | 'v2', Reference>;
  points: [Reference, number, Sample][];
}

interface Observed {
  sent: Record<string, Record<string, number>>;
  byStretch: Record<Stretch, { steps: number; notPrevalent: number }>;
  byState: Record<string, number>;
  rareSteps: Map<string, number[]>;
}

/** Records v2 for a workload, observing each step: phase sent, non-prevalent states, the lab trace. */
function recordObserved(
  w: Workload,
  tracing: { recorder: TraceRecorder; remaining: number } | undefined,
): { v2: Reference; observed: Observed } {
  const observed: Observed = {
    sent: {},
    byStretch: {
      boot: { steps: 0, notPrevalent: 0 },
      io: { steps: 0, notPrevalent: 0 },
      idle: { steps: 0, notPrevalent: 0 },
    },
    byState: {},
    rareSteps: new Map<string, number[]>(),
  };
  const { sent, byStretch, byState, rareSteps } = observed;
  const phaseSubs = ALL.map((r) => [r, phaseSubsection(r)] as const);
  let traced = 0;
  const v2 = record(w, RUNTIMES.v2, (run, stretch) => {
    const s = run.machine.fdc.s;
    for (const [r, sub] of phaseSubs) {
      for (const machine of r.machines) {
        const row = sent[r.name] ?? {};
        sent[r.name] = row;
        const needed = sub?.needed ? sub.needed(s, machines.context(machine)) === true : false;
        row[machine] = (row[machine] ?? 0) + (needed ? 1 : 0);
      }
    }
    byStretch[stretch].steps++;
    const label = stateLabel(s);
    if (label.includes('inferred')) {
      byStretch[stretch].notPrevalent++;
      byState[label] = (byState[label] ?? 0) + 1;
      const list = rareSteps.get(label) ?? [];
      list.push(run.steps);
      rareSteps.set(label, list);
    }
    if (tracing && traced < tracing.remaining) {
      tracing.recorder.step({ fdc: run.machine.fdc.section as never }, stretch);
      traced++;
    }
  });
  return { v2, observed };
}

/** Steps and virtual time spent in a non-prevalent state. */
function notPrevalentTotals(v2: Reference): { steps: number; time: number } {
  let steps = 0;
  let time = 0;
  for (let i = 0; i < v2.totalSteps; i++) {
    if (!v2.notPrevalent[i]) continue;
    steps++;
    const until = i + 1 < v2.totalSteps ? (v2.clock[i + 1] as number) : (v2.clock[i] as number);
    time += until - (v2.clock[i] as number);
  }
  return { steps, time };
}

/** The migration points: random steps of both runs plus rare-state steps of v2. */
function migrationPoints(
  v1: Reference,
  v2: Reference,
  rareSteps: Map<string, number[]>,
  steps: number,
  rare: number,
  salt: number,
): [Reference, number, Sample][] {
  return [
    ...sample(range(1, v1.totalSteps - 1), steps, salt).map((k): [Reference, number, Sample] => [
      v1,
      k,
      'random',
    ]),
    ...sample(range(1, v2.totalSteps - 1), steps, salt + 1).map((k): [Reference, number, Sample] => [
      v2,
      k,
      'random',
    ]),
    ...[...rareSteps.values()].flatMap((pool, i) =>
      sample(
        pool.filter((k) => k < v2.totalSteps),
        rare,
        salt + 2 + i,
      ).map((k): [Reference, number, Sample] => [v2, k, 'rare']),
    ),
  ];
}

/** Records one profile on both runtimes: its report and where to migrate. */
function planProfile(
  name: ProfileName,
  seed: number,
  steps: number,
  rare: number,
  sectors: number,
  tracing: { recorder: TraceRecorder; remaining: number } | undefined,
): { report: ProfileReport; plan: Plan } {
  const p = PROFILES[name];
  const w: Workload = { profile: p, ops: workload(p, seed, sectors), seed };
  const v1 = record(w, RUNTIMES.v1);
  const { v2, observed } = recordObserved(w, tracing);
  const { sent, byStretch, byState, rareSteps } = observed;
  const np = notPrevalentTotals(v2);
  const duration = v2.final.machine.now;
  for (const row of Object.values(sent))
    for (const k of Object.keys(row)) row[k] = (row[k] as number) / v2.totalSteps;
  const report: ProfileReport = {
    profile: name,
    summary: p.summary,
    ops: w.ops.length,
    sectors: w.ops.reduce((n, op) => n + (op.k === 'read' || op.k === 'write' ? op.count : 0), 0),
    steps: { v1: v1.totalSteps, v2: v2.totalSteps },
    virtualSeconds: duration / 1e9,
    notPrevalent: {
      steps: np.steps,
      fraction: np.steps / v2.totalSteps,
      timeFraction: duration > 0 ? np.time / duration : 0,
      byStretch,
      byState,
    },
    phaseSent: sent,
    v1AlwaysPrevalent: v1.notPrevalent.every((f) => f === 0),
    runtimesAgree: sameObservations(v1.final, v2.final),
  };
  const salt = seed * 7919 + name.length * 104729;
  const points = migrationPoints(v1, v2, rareSteps, steps, rare, salt);
  return { report, plan: { w, refs: { v1, v2 }, points } };
}

/** Runs the demo; see {@link DemoOptions}. Deterministic for a given seed and options. */
export function runDemo(options: DemoOptions = {}): DemoResult {
  const started = performance.now();
  const seed = options.seed ?? 1;
  const steps = options.steps ?? 200;
  const rare = options.rare ?? 20;
  const sectors = options.sectors ?? 200;
  const full = options.full ?? false;
  const names = options.profiles ?? PROFILE_NAMES;
  const traceProfile = options.lab?.traceProfile ?? 'irq';
  const traceSteps = options.lab?.traceSteps ?? 1500;
  const recorder = options.lab ? new TraceRecorder('v2a', OLD_MACHINE) : undefined;
  const table = cells();
  const profiles: ProfileReport[] = [];
  const plans: Plan[] = [];

  for (const name of names) {
    const tracing = recorder && name === traceProfile ? { recorder, remaining: traceSteps } : undefined;
    const { report, plan } = planProfile(name, seed, steps, rare, sectors, tracing);
    profiles.push(report);
    plans.push(plan);
  }

  const total = plans.reduce((n, pl) => n + pl.points.length, 0);
  let done = 0;
  let migrations = 0;
  for (const plan of plans) {
    for (const [ref, k, s] of plan.points) {
      migrations += migrateAt(plan.w, plan.refs, ref, k, s, table, full);
      done++;
      options.onProgress?.(done, total, plan.w.profile.name);
    }
  }
  const all = table.all();
  const policies = policyReports(profiles, all);
  const report: DemoReport = {
    seed,
    steps,
    rare,
    sectors,
    full,
    machines: machines.names,
    releases: ALL.map((r) => ({
      name: r.name,
      summary: r.summary,
      machines: r.machines,
      runtime: r.runtime.name,
    })),
    profiles,
    policies,
    verdicts: verdicts(policies),
    cells: all,
    checks: checks(profiles, all),
    migrations,
    elapsedMs: 0,
  };
  let lab: LabReport | undefined;
  if (options.lab && recorder) {
    options.onProgress?.(total, total, 'lab');
    lab = runLab(versions, {
      runs: options.lab.runs ?? 40,
      seed,
      trace: recorder.trace(),
    });
  }
  const result = { ...report, elapsedMs: Math.round(performance.now() - started) };
  return lab ? { report: result, lab } : { report: result };
}

/** The demo's text report (what `vmstate demo` prints). */
export { formatDemoText };

/** The lab's HTML report on the four releases, with the demo's measured tables added. */
export async function renderDemoHtml(result: DemoResult): Promise<string> {
  const title = 'vmstate demo: the floppy controller’s phase, three ways';
  // The demo's own answer opens the page; the lab's matrix and the measured tables follow.
  const lead = verdictHtml(result.report);
  if (!result.lab) {
    return demoHtml(
      result.report,
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${lead}</body></html>`,
    );
  }
  return demoHtml(result.report, await renderLabHtml(result.lab, { title, lead }));
}
