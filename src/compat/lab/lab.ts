import { checkVersionsHonesty, type HonestyFinding } from './honesty.js';
import { type MatrixOptions, type MatrixReport, runMatrix } from './matrix.js';
import { type PrevalenceReport, prevalence } from './prevalence.js';
import type { Trace } from './trace-record.js';
import type { VersionSet } from './versions.js';

export interface LabOptions extends MatrixOptions {
  /** A workload recorded on one of the versions: adds the prevalence section. */
  trace?: Trace;
  /** Check `needed()` honesty for every section, version and machine type (default true). */
  honesty?: boolean;
}

/** Everything `vmstate matrix` reports: the matrix, `needed()` honesty, and prevalence on a trace. */
export interface LabReport {
  readonly matrix: MatrixReport;
  readonly honesty: readonly (HonestyFinding & { readonly versions: readonly string[] })[];
  readonly prevalence?: PrevalenceReport;
}

/** Runs the whole lab on a version set: what the CLI prints as text, JSON or HTML. */
export function runLab(set: VersionSet, options: LabOptions = {}): LabReport {
  const matrix = runMatrix(set, options);
  const honesty =
    options.honesty === false
      ? []
      : checkVersionsHonesty(set, {
          ...(options.runs === undefined ? {} : { runs: options.runs }),
          ...(options.seed === undefined ? {} : { seed: options.seed }),
        });
  return { matrix, honesty, ...(options.trace ? { prevalence: prevalence(set, options.trace) } : {}) };
}

/** Whether a report shows silent corruption or crashes (what `vmstate matrix` exits 1 for). */
export function hasUnsafe(report: LabReport): boolean {
  const { totals } = report.matrix;
  const chainBad = report.matrix.chains.some((c) => c.counts.unsafe > 0 || c.counts.crash > 0);
  return totals.unsafe > 0 || totals.crash > 0 || chainBad || report.honesty.some((h) => h.dishonest > 0);
}
