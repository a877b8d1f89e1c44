import { formatPath } from '../../errors/index.js';
import type { CheckReport } from './check.js';
import { type Direction, type Finding, SEVERITIES, type Severity } from './finding.js';

export interface TextOptions {
  /** Wraps severity words (e.g. with terminal colours). */
  readonly paint?: (severity: Severity, text: string) => string;
  /** Leave out info findings (the summary still counts them). */
  readonly hideInfo?: boolean;
}

const ROUTE: Record<Direction, (r: CheckReport) => string> = {
  forward: (r) => `forward  (upgrade: ${r.source} → ${r.destination})`,
  backward: (r) => `backward (rollback: ${r.destination} → ${r.source})`,
};

function tally(counts: Readonly<Record<Severity, number>>): string {
  return SEVERITIES.map((s) => `${counts[s]} ${s}${counts[s] === 1 || s === 'info' ? '' : 's'}`).join(', ');
}

function line(f: Finding, paint: NonNullable<TextOptions['paint']>): string[] {
  const head = `  ${f.direction.padEnd(8)} ${paint(f.severity, f.severity.padEnd(7))} ${formatPath(f.path)}`;
  return [head, `      ${f.message} [${f.code}]`, `      fix: ${f.suggestion}`];
}

/** The readable report: findings grouped by section (first path element), then a summary per direction. */
export function formatCheckText(report: CheckReport, options: TextOptions = {}): string {
  const paint = options.paint ?? ((_s: Severity, t: string) => t);
  const out: string[] = [`vmstate check: ${report.source} → ${report.destination}`];
  const shown = report.findings.filter((f) => !(options.hideInfo && f.severity === 'info'));
  const groups = new Map<string, Finding[]>();
  for (const f of shown) {
    const key = String(f.path[0] ?? '(top)');
    const list = groups.get(key) ?? [];
    list.push(f);
    groups.set(key, list);
  }
  for (const [section, list] of groups) {
    out.push('', section);
    // Forward before backward inside a section, worst first within each.
    const sorted = [...list].sort(
      (a, b) =>
        (a.direction === b.direction ? 0 : a.direction === 'forward' ? -1 : 1) ||
        SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity),
    );
    for (const f of sorted) out.push(...line(f, paint));
  }
  if (shown.length === 0) out.push('', 'No findings.');
  out.push('', 'Summary');
  for (const d of report.directions) out.push(`  ${ROUTE[d](report)}: ${tally(report.counts[d])}`);
  out.push(
    report.ok
      ? 'Result: no errors in the checked directions.'
      : `Result: ${report.directions
          .filter((d) => report.counts[d].error > 0)
          .map((d) => `${d} migration fails or corrupts state`)
          .join('; ')}.`,
  );
  return `${out.join('\n')}\n`;
}
