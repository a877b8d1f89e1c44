import { Msr, PHASE_NAMES, Phase, reconstructPhase } from './constants.js';
import type { FdcControllerState } from './description.js';
import { hex2 } from './hash.js';
import { SYMPTOMS, type Symptom } from './run.js';

/** How migrations from one release to another, under one machine type, turned out. */
export interface Tally {
  attempts: number;
  /** The destination refused the bytes (a MigrationError): safe, the source keeps running. */
  refused: number;
  /** It loaded and the workload went on exactly as without the migration. */
  unchanged: number;
  /** It loaded, and the guest saw something different: a silent behaviour change. */
  changed: number;
  refusedBy: Record<string, number>;
  /**
   * Refusals that protected nothing: the same bytes without the phase (what v2b sends on the old
   * machine type) loaded at the same point ran on exactly as without the migration.
   */
  needless: number;
  /** Per symptom, how many changed migrations showed it (one migration can show several). */
  symptoms: Record<Symptom, number>;
  /** The same counts per state of the controller at the moment of migration. */
  byState: Record<string, StateCounts>;
  /** A few failing migrations, for people. */
  examples: Example[];
}

export interface StateCounts {
  attempts: number;
  refused: number;
  needless: number;
  unchanged: number;
  changed: number;
}

export function emptyCounts(): StateCounts {
  return { attempts: 0, refused: 0, needless: 0, unchanged: 0, changed: 0 };
}

/** The counts of one state, created on first use. */
export function countsOf(byState: Record<string, StateCounts>, state: string): StateCounts {
  let c = byState[state];
  if (!c) {
    c = emptyCounts();
    byState[state] = c;
  }
  return c;
}

/** Adds per-state counts into `into`, state by state. */
export function addStateCounts(
  into: Record<string, StateCounts>,
  from: Readonly<Record<string, StateCounts>>,
): void {
  for (const [k, v] of Object.entries(from)) {
    const b = countsOf(into, k);
    b.attempts += v.attempts;
    b.refused += v.refused;
    b.needless += v.needless;
    b.unchanged += v.unchanged;
    b.changed += v.changed;
  }
}

export interface Example {
  readonly step: number;
  readonly op: number;
  readonly doing: string;
  readonly state: string;
  readonly outcome: 'refused' | 'changed';
  readonly what: string;
}

export function emptyTally(): Tally {
  return {
    attempts: 0,
    refused: 0,
    unchanged: 0,
    changed: 0,
    refusedBy: {},
    needless: 0,
    symptoms: Object.fromEntries(SYMPTOMS.map((s) => [s, 0])) as Record<Symptom, number>,
    byState: {},
    examples: [],
  };
}

export function addTally(into: Tally, t: Tally): void {
  into.attempts += t.attempts;
  into.refused += t.refused;
  into.unchanged += t.unchanged;
  into.changed += t.changed;
  into.needless += t.needless;
  for (const [k, v] of Object.entries(t.refusedBy)) into.refusedBy[k] = (into.refusedBy[k] ?? 0) + v;
  for (const s of SYMPTOMS) into.symptoms[s] += t.symptoms[s];
  addStateCounts(into.byState, t.byState);
  for (const e of t.examples) if (into.examples.length < 4) into.examples.push(e);
}

/**
 * A name for the controller's state at a migration point: its phase and MSR, and — when the
 * phase is not what the MSR suggests — which of the model's short windows it is in.
 */
export function stateLabel(s: FdcControllerState): string {
  const inferred = reconstructPhase(s.msr);
  const base = `${PHASE_NAMES[s.phase]}, MSR ${hex2(s.msr)}`;
  if (inferred === s.phase) return base;
  let why = 'phase not what the MSR suggests';
  if (s.phase === Phase.COMMAND && s.msr === 0) why = 'chip held in reset';
  else if (s.phase === Phase.COMMAND && !(s.msr & Msr.RQM)) why = 'RQM low while the opcode is decoded';
  else if (s.phase === Phase.RESULT && !(s.msr & Msr.RQM)) why = 'RQM low after the last result byte';
  return `${base} (${why}; inferred ${PHASE_NAMES[inferred]})`;
}

export function percent(part: number, whole: number, digits = 1): string {
  if (whole === 0) return '—';
  return `${((100 * part) / whole).toFixed(digits)}%`;
}
