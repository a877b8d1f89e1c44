/** The lab's report for a terminal: a table per version pair, then what did not agree. */
import type { LabQemuReport } from './report.js';
import { disagreements, summarize } from './report.js';
import type { CellResult } from './result.js';

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_c, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '))
    .join('\n');
}

/** Group key of a cell for the per-pair table. */
const pairOf = (c: CellResult): string => `${c.cell.from} → ${c.cell.to}`;

/** Rows of the per-pair table: a header, one row per version pair, then `all`. */
function summaryRows(cells: readonly CellResult[]): string[][] {
  const groups = new Map<string, CellResult[]>();
  for (const c of cells) groups.set(pairOf(c), [...(groups.get(pairOf(c)) ?? []), c]);
  const rows: string[][] = [
    ['pair', 'cells', 'loads', 'refused', 'agree', 'disagree', 'errors', 'conv→loads', 'silent'],
  ];
  const line = (name: string, cs: readonly CellResult[]): string[] => {
    const s = summarize(cs);
    return [
      name,
      String(s.cells),
      String(s.loads),
      String(s.refused),
      String(s.agree),
      String(s.disagree),
      String(s.errors),
      `${s.convertedLoaded}/${s.converted}`,
      String(s.silentChangeCells),
    ];
  };
  for (const [name, cs] of groups) rows.push(line(name, cs));
  rows.push(line('all', cells));
  return rows;
}

/** The per-pair table as Markdown (README, docs). */
export function formatSummaryMarkdown(cells: readonly CellResult[]): string {
  const rows = summaryRows(cells);
  const [head = [], ...body] = rows;
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map((_h, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export function formatSummaryTable(cells: readonly CellResult[]): string {
  return table(summaryRows(cells));
}

export function formatLabQemuText(report: LabQemuReport, maxListed = 20): string {
  const s = summarize(report.cells);
  const versions = Object.entries(report.versions)
    .map(([v, exact]) => `${v} (${exact})`)
    .join(', ');
  const out = [
    `vmstate lab qemu: ${s.cells} cells over QEMU ${versions}; shard ${report.shards.join(', ')}; ${(report.durationMs / 1000).toFixed(1)} s with ${report.jobs} at once`,
    '',
    formatSummaryTable(report.cells),
    '',
    `agreement: ${s.agree}/${s.verdicts} cells (vmstate's verdict = QEMU's); real refusals: ${s.refused}`,
  ];
  if (s.converted > 0 || s.convertRefusedLoadable > 0) {
    out.push(
      `convert: ${s.convertedLoaded} of ${s.converted} converted streams loaded by the destination; it refused ${s.convertRefusedLoadable} streams the destination loads as they are`,
    );
  }
  if (s.roundTrips > 0) {
    out.push(
      `round trip: ${s.silentChangeCells} of ${s.roundTrips} loading cells with silent changes; ${s.silentChangesFlagged} of them flagged by vmstate check`,
    );
  }
  const bad = disagreements(report.cells);
  if (bad.length > 0) {
    out.push('', `disagreements (${bad.length}${bad.length > maxListed ? `, first ${maxListed}` : ''}):`);
    for (const c of bad.slice(0, maxListed)) {
      out.push(`  ${c.cell.id}: QEMU ${c.qemu?.verdict ?? '?'}, vmstate ${c.vmstate?.verdict ?? 'failed'}`);
      if (c.qemu?.error !== undefined) out.push(`    QEMU: ${c.qemu.error}`);
      for (const r of (c.vmstate?.reasons ?? []).slice(0, 3)) out.push(`    vmstate: ${r}`);
      if (c.error !== undefined) out.push(`    ${c.error}`);
    }
  }
  const errors = report.cells.filter((c) => c.qemu === undefined);
  if (errors.length > 0) {
    out.push('', `cells that could not run (${errors.length}):`);
    for (const c of errors.slice(0, maxListed)) out.push(`  ${c.cell.id}: ${c.error ?? 'unknown'}`);
  }
  const refusals = new Map<string, number>();
  for (const c of report.cells) {
    if (c.qemu?.verdict === 'refused') {
      const why = c.qemu.error ?? '(no message)';
      refusals.set(why, (refusals.get(why) ?? 0) + 1);
    }
  }
  if (refusals.size > 0) {
    out.push('', 'QEMU refusals by message:');
    for (const [why, n] of [...refusals].sort((a, b) => b[1] - a[1]))
      out.push(`  ${String(n).padStart(4)}  ${why}`);
  }
  return `${out.join('\n')}\n`;
}
