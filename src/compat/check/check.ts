import { compareSets } from './compare/sets.js';
import { type Direction, type Finding, SEVERITIES, type Severity } from './finding.js';
import type { DescriptionSet } from './model.js';

export type DirectionOption = Direction | 'both';

export interface CheckOptions {
  /** forward: source → destination (upgrade); backward: destination → source (rollback). Default both. */
  readonly direction?: DirectionOption;
}

export interface CheckReport {
  /** Labels of the two inputs. */
  readonly source: string;
  readonly destination: string;
  readonly directions: readonly Direction[];
  /** Forward findings first, then backward; within one, in section order and field order. */
  readonly findings: readonly Finding[];
  /** Per direction and severity. */
  readonly counts: Readonly<Record<Direction, Readonly<Record<Severity, number>>>>;
  /** No error in the checked directions. */
  readonly ok: boolean;
}

export function directionsOf(option: DirectionOption = 'both'): Direction[] {
  return option === 'both' ? ['forward', 'backward'] : [option];
}

/**
 * Checks from the descriptions alone what can break when `source` migrates to `destination`
 * (forward, the upgrade) and back (backward, the rollback). See docs/check.md for every finding.
 */
export function checkCompatibility(
  source: DescriptionSet,
  destination: DescriptionSet,
  options: CheckOptions = {},
): CheckReport {
  const directions = directionsOf(options.direction);
  const findings: Finding[] = [];
  for (const d of directions) {
    findings.push(
      ...(d === 'forward' ? compareSets(source, destination, d) : compareSets(destination, source, d)),
    );
  }
  const zero = (): Record<Severity, number> => ({ error: 0, warning: 0, info: 0 });
  const counts: Record<Direction, Record<Severity, number>> = { forward: zero(), backward: zero() };
  for (const f of findings) counts[f.direction][f.severity]++;
  return {
    source: source.label,
    destination: destination.label,
    directions,
    findings,
    counts,
    ok: directions.every((d) => counts[d].error === 0),
  };
}

/** The `--json` shape: `{ findings: [...] }` plus the inputs, directions and counts. */
export function checkReportJson(report: CheckReport): Record<string, unknown> {
  return {
    source: report.source,
    destination: report.destination,
    directions: report.directions,
    ok: report.ok,
    counts: Object.fromEntries(
      report.directions.map((d) => [d, Object.fromEntries(SEVERITIES.map((s) => [s, report.counts[d][s]]))]),
    ),
    findings: report.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      direction: f.direction,
      path: f.path,
      message: f.message,
      suggestion: f.suggestion,
      ...(f.details === undefined ? {} : { details: f.details }),
    })),
  };
}
