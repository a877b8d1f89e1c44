import { fail, TIMER_NOT_ARMED } from '../index.js';
import { Msr, Phase, reconstructPhase } from './constants.js';
import type { FdcControllerState } from './description.js';
import { DiskImage } from './disk.js';
import { type DriverState, initialDriver, runOp, type Step } from './driver.js';
import { fnv1a, fnv1aString } from './hash.js';
import { Machine } from './machine.js';
import type { Runtime } from './runtime.js';
import type { Op, Profile, Stretch } from './workloads.js';

/**
 * Running a workload: a {@link Run} is a machine plus the driver's state between operations;
 * {@link record} runs a workload to the end and keeps what later forks need (a copy at every
 * operation boundary, a digest after every operation, per-step phase facts).
 */

export interface Run {
  machine: Machine;
  driver: DriverState;
  /** Steps done so far. */
  steps: number;
}

export function cloneRun(run: Run): Run {
  return { machine: run.machine.clone(), driver: structuredClone(run.driver), steps: run.steps };
}

export interface Workload {
  readonly profile: Profile;
  readonly ops: readonly Op[];
  readonly seed: number;
}

/** Starts operation `run.driver.op`; each `next()` is one step. */
export function startOp(run: Run, w: Workload): Step {
  const index = run.driver.op;
  return runOp(run.machine, run.driver, w.profile, w.ops[index] as Op, index);
}

/**
 * The controller state as a running guest could tell it apart, for digests: a pending "RQM low
 * after the last result byte" counts as the command phase it is about to become (the two
 * releases differ only in that pause), and the timer is relative to the clock.
 */
function settled(s: FdcControllerState, now: number): Record<string, unknown> {
  // dor_vmstate is only written when saving (QEMU's pre_save): what counts is DOR and the drive.
  const out: Record<string, unknown> = { ...s, dor_vmstate: s.dor | s.cur_drv };
  const armed = s.result_timer !== TIMER_NOT_ARMED;
  if (armed && s.phase === Phase.RESULT && !(s.msr & Msr.RQM)) {
    Object.assign(out, {
      phase: Phase.COMMAND,
      msr: (s.msr & ~(Msr.CMDBUSY | Msr.DIO | Msr.NONDMA)) | Msr.RQM,
      data_dir: 0,
      data_pos: 0,
      data_len: 1,
      result_timer: -1,
    });
  } else out.result_timer = armed ? Number(s.result_timer) - now : -1;
  return out;
}

/**
 * A digest of everything that decides the rest of a run, except the clock. `history: false`
 * leaves out what only records the past (the driver's log and counters, the IRQ log): two runs
 * with the same such digest at the same operation boundary continue the same way.
 */
export function digestRun(run: Run, history = true): number {
  const m = run.machine;
  const d = run.driver;
  const text = JSON.stringify({
    fdc: settled(m.fdc.s, m.now),
    irq: m.irqLevel,
    dma: m.dma,
    disks: m.disks.map((disk) => disk.digest),
    driver: { op: d.op, motors: d.motors },
    ...(history
      ? {
          irqLog: fnv1aString(m.irqLog.join('|')),
          log: fnv1aString(d.log.join('\n')),
          counters: [d.timeouts, d.desyncs, d.errors, d.resets],
        }
      : {}),
  });
  return fnv1a(m.ram, fnv1aString(text));
}

/** A digest of a loaded controller state, exactly (two equal digests: the same future). */
export function digestController(s: FdcControllerState): number {
  return fnv1aString(JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}

export interface Reference {
  readonly workload: Workload;
  readonly runtime: Runtime;
  readonly totalSteps: number;
  /** `opStart[i]`: steps done when operation i starts; `opStart[ops.length]` = totalSteps. */
  readonly opStart: readonly number[];
  /** A copy of the run at the start of every operation. */
  readonly snapshots: readonly Run[];
  /** `digestRun` after every operation, with and without the history. */
  readonly opEnd: readonly number[];
  readonly opEndState: readonly number[];
  /** Per step (state after step i + 1): 1 when the phase differs from what the MSR suggests. */
  readonly notPrevalent: Uint8Array;
  /** Per step: the clock after it (ns). */
  readonly clock: Float64Array;
  readonly final: Run;
}

/** Runs a workload to the end on one runtime, keeping what forks and statistics need. */
export function record(
  w: Workload,
  runtime: Runtime,
  onStep?: (run: Run, stretch: Stretch) => void,
): Reference {
  const run: Run = { machine: new Machine(runtime, w.seed), driver: initialDriver(), steps: 0 };
  const opStart: number[] = [];
  const snapshots: Run[] = [];
  const opEnd: number[] = [];
  const opEndState: number[] = [];
  const flags: number[] = [];
  const clock: number[] = [];
  for (let i = 0; i < w.ops.length; i++) {
    opStart.push(run.steps);
    snapshots.push(cloneRun(run));
    const step = startOp(run, w);
    const stretch = (w.ops[i] as Op).stretch;
    while (!step.next().done) {
      run.steps++;
      const s = run.machine.fdc.s;
      flags.push(reconstructPhase(s.msr) !== s.phase ? 1 : 0);
      clock.push(run.machine.now);
      onStep?.(run, stretch);
    }
    run.driver.op++;
    opEnd.push(digestRun(run));
    opEndState.push(digestRun(run, false));
  }
  opStart.push(run.steps);
  return {
    workload: w,
    runtime,
    totalSteps: run.steps,
    opStart,
    snapshots,
    opEnd,
    opEndState,
    notPrevalent: Uint8Array.from(flags),
    clock: Float64Array.from(clock),
    final: run,
  };
}

/** The operation that step `k` (1-based) belongs to. */
export function opOfStep(ref: Reference, k: number): number {
  let lo = 0;
  let hi = ref.workload.ops.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((ref.opStart[mid] as number) < k) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A run positioned after `k` steps, with the generator of the operation it is in. */
export interface Fork {
  readonly run: Run;
  readonly step: Step;
  readonly op: number;
}

/** Replays the reference from the start of the operation containing step `k` up to step `k`. */
export function forkAt(ref: Reference, k: number): Fork {
  const op = opOfStep(ref, k);
  const run = cloneRun(ref.snapshots[op] as Run);
  const step = startOp(run, ref.workload);
  while (run.steps < k) {
    if (step.next().done)
      fail('invalid-value', `step ${k} is past operation ${op}`, { details: { step: k, op } });
    run.steps++;
  }
  return { run, step, op };
}

export interface Continuation {
  /** The run where it stopped: its end, or the boundary where it joined the reference again. */
  readonly run: Run;
  /**
   * `same`: it reached the unmigrated run's state, history included: nothing changed.
   * `rejoined`: after a detour its state (not its history) equals the unmigrated run's at the
   * same boundary, so the rest is the same; compare the history at that boundary.
   * `end`: it ran to the end. `stuck`: it did not finish within the step budget (a hang).
   */
  readonly ending: 'same' | 'rejoined' | 'end' | 'stuck';
  /** The reference run at the same point, to compare with. */
  readonly reference: Run;
}

/**
 * Continues a forked (and migrated) run until its state is the reference's at an operation
 * boundary — from there both are the same deterministic computation — or to its end (`full`:
 * always to the end).
 */
export function continueRun(fork: Fork, ref: Reference, w: Workload, full = false): Continuation {
  const { run } = fork;
  const budget = ref.totalSteps * 3 + 100_000;
  let step: Step | undefined = fork.step;
  while (step) {
    while (!step.next().done) {
      run.steps++;
      if (run.steps > budget) return { run, ending: 'stuck', reference: ref.final };
    }
    const done = run.driver.op;
    run.driver.op++;
    const at = ref.snapshots[done + 1] ?? ref.final;
    if (!full && digestRun(run, false) === ref.opEndState[done]) {
      return { run, ending: digestRun(run) === ref.opEnd[done] ? 'same' : 'rejoined', reference: at };
    }
    step = run.driver.op < w.ops.length ? startOp(run, w) : undefined;
  }
  return { run, ending: 'end', reference: ref.final };
}

/** What the driver saw differently from the unmigrated run. */
export type Symptom =
  | 'wrong-data'
  | 'corrupted-disk'
  | 'wrong-result'
  | 'hang'
  | 'spurious-irq'
  | 'missed-irq'
  | 'driver-error';
export const SYMPTOMS: readonly Symptom[] = [
  'wrong-data',
  'corrupted-disk',
  'wrong-result',
  'hang',
  'spurious-irq',
  'missed-irq',
  'driver-error',
];

/** The data each read operation finally handed to the guest, by operation. */
function dataRead(log: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of log) {
    const m = /^(#\d+) read .* data ([0-9a-f]{8})$/.exec(line);
    if (m) out.set(m[1] as string, m[2] as string);
  }
  return out;
}

/** What each operation finally got from the controller (its last log line), data hashes left out. */
function answers(log: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of log) {
    const at = line.indexOf(' ');
    out.set(line.slice(0, at), line.slice(at + 1).replace(/ data [0-9a-f]{8}$/, ''));
  }
  return out;
}

export interface Comparison {
  readonly changed: boolean;
  readonly symptoms: readonly Symptom[];
  /** The first line of the driver's log that differs, for people. */
  readonly firstDifference?: string;
  readonly differentSectors: number;
}

/** Compares a run with the unmigrated one at the same point: disks, data read, interrupts, the driver's log. */
export function compareRuns(run: Run, ref: Run, stuck: boolean): Comparison {
  const symptoms = new Set<Symptom>();
  const a = dataRead(run.driver.log);
  for (const [op, data] of dataRead(ref.driver.log)) if (a.get(op) !== data) symptoms.add('wrong-data');
  let differentSectors = 0;
  for (let i = 0; i < ref.machine.disks.length; i++) {
    differentSectors += DiskImage.differences(
      run.machine.disks[i] as DiskImage,
      ref.machine.disks[i] as DiskImage,
    ).length;
  }
  if (differentSectors > 0) symptoms.add('corrupted-disk');
  const got = answers(run.driver.log);
  for (const [op, line] of answers(ref.driver.log)) if (got.get(op) !== line) symptoms.add('wrong-result');
  if (stuck || run.driver.timeouts > ref.driver.timeouts) symptoms.add('hang');
  if (run.machine.irqLog.length > ref.machine.irqLog.length) symptoms.add('spurious-irq');
  if (run.machine.irqLog.length < ref.machine.irqLog.length) symptoms.add('missed-irq');
  const d = run.driver;
  const r = ref.driver;
  if (d.desyncs + d.errors > r.desyncs + r.errors || d.resets > r.resets) symptoms.add('driver-error');
  const logs = d.log.join('\n') === r.log.join('\n');
  const irqs = run.machine.irqLog.join('|') === ref.machine.irqLog.join('|');
  const at = d.log.findIndex((line, i) => line !== r.log[i]);
  return {
    changed: symptoms.size > 0 || !logs || !irqs,
    symptoms: SYMPTOMS.filter((s) => symptoms.has(s)),
    ...(at >= 0 ? { firstDifference: d.log[at] as string } : {}),
    differentSectors,
  };
}
