/**
 * The lab's report: every cell's result plus what the run was. Shards write one each; `merge`
 * joins them (each cell is independent, so a merged report is the same as one big run's).
 */
import { QEMU_VERSIONS, type QemuVersionName } from '../versions.js';
import type { CellResult, SilentChange } from './result.js';

export const LAB_REPORT_FORMAT = 'vmstate-lab-qemu/1';

export interface LabQemuReport {
  readonly format: typeof LAB_REPORT_FORMAT;
  /** Exact versions of the binaries that ran (`10.0.2`). */
  readonly versions: Readonly<Partial<Record<QemuVersionName, string>>>;
  /** Which shards this report holds (several after a merge). */
  readonly shards: readonly string[];
  /** Wall-clock time of the run(s), summed over shards. */
  readonly durationMs: number;
  readonly jobs: number;
  readonly cells: readonly CellResult[];
}

export interface LabSummary {
  readonly cells: number;
  /** Cells that ran to a QEMU verdict. */
  readonly verdicts: number;
  readonly loads: number;
  readonly refused: number;
  readonly agree: number;
  readonly disagree: number;
  /** Cells that could not run (source did not save, checker threw). */
  readonly errors: number;
  /** Cells whose stream convert wrote, and how many of those QEMU loaded. */
  readonly converted: number;
  readonly convertedLoaded: number;
  /** Cells where convert asked to drop state (or failed) although the destination loads the stream as it is. */
  readonly convertRefusedLoadable: number;
  /** Cells where the round-trip oracle ran, and those with at least one silent change. */
  readonly roundTrips: number;
  readonly silentChangeCells: number;
  /** Silent-change cells where vmstate warned about every changed section ("loads, with changes"). */
  readonly silentChangesFlagged: number;
}

/**
 * True when `vmstate check` warned about the section a silent change is in: the oracle's finding
 * and the checker's "loads, with changes" agree on the place.
 */
export function flaggedByCheck(change: SilentChange, cell: CellResult): boolean {
  const section = change.path.split(' › ')[0] ?? change.path;
  return (cell.vmstate?.changes ?? []).some(
    (w) => w.startsWith(`${section} ›`) || w.startsWith(`${section}:`),
  );
}

export function summarize(cells: readonly CellResult[]): LabSummary {
  let loads = 0;
  let refused = 0;
  let agree = 0;
  let disagree = 0;
  let errors = 0;
  let converted = 0;
  let convertedLoaded = 0;
  let refusedLoadable = 0;
  let roundTrips = 0;
  let silent = 0;
  let flagged = 0;
  for (const c of cells) {
    if (c.qemu) {
      if (c.qemu.verdict === 'loads') loads++;
      else refused++;
    }
    if (c.error !== undefined || c.qemu === undefined) errors++;
    if (c.agree === true) agree++;
    else if (c.qemu !== undefined) disagree++;
    if (c.convert !== undefined && !c.convert.converted && c.qemu?.verdict === 'loads') refusedLoadable++;
    if (c.convert?.loaded !== undefined) {
      converted++;
      if (c.convert.loaded === 'loads') convertedLoaded++;
    }
    if (c.roundTrip !== undefined && c.roundTrip.error === undefined) {
      roundTrips++;
      if (c.roundTrip.changes.length > 0) {
        silent++;
        if (c.roundTrip.changes.every((ch) => flaggedByCheck(ch, c))) flagged++;
      }
    }
  }
  return {
    cells: cells.length,
    verdicts: loads + refused,
    loads,
    refused,
    agree,
    disagree,
    errors,
    converted,
    convertedLoaded,
    convertRefusedLoadable: refusedLoadable,
    roundTrips,
    silentChangeCells: silent,
    silentChangesFlagged: flagged,
  };
}

/** Version pairs oldest first (5.2 before 10.0), then the cell id: a merged report reads like one run. */
function byCell(a: CellResult, b: CellResult): number {
  const rank = (v: string): number => QEMU_VERSIONS.indexOf(v as QemuVersionName);
  return (
    rank(a.cell.from) - rank(b.cell.from) ||
    rank(a.cell.to) - rank(b.cell.to) ||
    (a.cell.id < b.cell.id ? -1 : a.cell.id > b.cell.id ? 1 : 0)
  );
}

/** Cells where vmstate's verdict is not QEMU's (or vmstate could not say). */
export function disagreements(cells: readonly CellResult[]): CellResult[] {
  return cells.filter((c) => c.qemu !== undefined && c.agree !== true);
}

function isReport(v: unknown): v is LabQemuReport {
  const o = v as LabQemuReport | undefined;
  return typeof o === 'object' && o !== null && o.format === LAB_REPORT_FORMAT && Array.isArray(o.cells);
}

/** Parses a report file's text; throws naming what is wrong. */
export function parseReport(text: string, label: string): LabQemuReport {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${label} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isReport(v))
    throw new Error(`${label} is not a ${LAB_REPORT_FORMAT} report (vmstate lab qemu --json)`);
  return v;
}

/**
 * Joins shard reports. A cell that appears twice must have the same QEMU verdict in both (else
 * the merge fails: the two runs saw different QEMUs); versions must not conflict.
 */
export function mergeReports(reports: readonly LabQemuReport[]): LabQemuReport {
  const versions: Partial<Record<QemuVersionName, string>> = {};
  const byId = new Map<string, CellResult>();
  for (const r of reports) {
    for (const [v, exact] of Object.entries(r.versions) as [QemuVersionName, string][]) {
      if (versions[v] !== undefined && versions[v] !== exact) {
        throw new Error(`reports ran different QEMU ${v} builds: ${versions[v]} and ${exact}`);
      }
      versions[v] = exact;
    }
    for (const c of r.cells) {
      const prev = byId.get(c.cell.id);
      if (prev?.qemu !== undefined && c.qemu !== undefined && prev.qemu.verdict !== c.qemu.verdict) {
        throw new Error(`cell ${c.cell.id} appears twice with different QEMU verdicts`);
      }
      if (prev === undefined || prev.qemu === undefined) byId.set(c.cell.id, c);
    }
  }
  return {
    format: LAB_REPORT_FORMAT,
    versions,
    shards: reports.flatMap((r) => r.shards),
    durationMs: reports.reduce((n, r) => n + r.durationMs, 0),
    jobs: Math.max(0, ...reports.map((r) => r.jobs)),
    cells: [...byId.values()].sort(byCell),
  };
}
