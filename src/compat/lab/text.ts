import type { HonestyFinding } from './honesty.js';
import type { LabReport } from './lab.js';
import {
  type Counterexample,
  chainsThrough,
  type MatrixCell,
  type MatrixReport,
  worstOutcome,
} from './matrix.js';
import type { Outcome } from './migrate.js';
import type { PredicateCoverage } from './predicates.js';
import type { PrevalenceReport } from './prevalence.js';
import { pathText, shown } from './values.js';

const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0)}%`;

/** The short label of a cell: `ok`, or the worst outcome and its share (`UNSAFE 56%`). */
export function cellLabel(cell: MatrixCell): string {
  const worst = worstOutcome(cell.counts);
  if (worst === 'ok') return 'ok';
  const total = Object.values(cell.counts).reduce((a, b) => a + b, 0);
  const name = worst === 'refused' ? 'refused' : worst.toUpperCase();
  return `${name} ${pct(cell.counts[worst] / Math.max(1, total))}`;
}

/**
 * What a pair cell means once chains are counted: its own worst outcome, or `unsafe` when a chain
 * lost state on this hop (A→B→A loses at B→A even when B→A alone looked fine on its states).
 */
export function pairVerdict(
  report: LabReport,
  cell: MatrixCell,
): { outcome: Outcome; label: string; chains: readonly MatrixCell[]; dishonest: boolean } {
  const own = worstOutcome(cell.counts);
  const chains = chainsThrough(report.matrix, cell);
  const [from, to] = cell.route;
  // A dishonest needed() loses state even from a version to itself.
  const dishonest =
    from === to &&
    report.honesty.some(
      (h) => h.dishonest > 0 && h.machine === cell.machine && h.versions.includes(from ?? ''),
    );
  if (own === 'unsafe' || own === 'crash') return { outcome: own, label: cellLabel(cell), chains, dishonest };
  if (chains.length > 0) return { outcome: 'unsafe', label: 'chain UNSAFE', chains, dishonest };
  if (dishonest) return { outcome: 'unsafe', label: 'needed() UNSAFE', chains, dishonest };
  return { outcome: own, label: cellLabel(cell), chains, dishonest };
}

/** Sender vs receiver, member by member: the differing fields first, before any whole state. */
export function diffLines(e: Counterexample): string[] {
  const list = e.differences ?? [{ path: e.path, expected: e.expected, actual: e.actual }];
  const width = Math.max(...list.map((d) => pathText(d.path).length));
  return list.map(
    (d) => `${pathText(d.path).padEnd(width)}  sender ${shown(d.expected)}  ≠  receiver ${shown(d.actual)}`,
  );
}

function example(e: Counterexample): string[] {
  const where = pathText(e.path);
  const lines =
    e.outcome === 'unsafe'
      ? [
          `differs${e.hop > 0 || e.stage === 'round-trip' ? ` (${e.stage}, hop ${e.hop + 1})` : ''}:`,
          ...diffLines(e).map((l) => `  ${l}`),
        ]
      : [`${where}: ${e.message} [${e.code}] at ${e.stage}${e.hop > 0 ? ` of hop ${e.hop + 1}` : ''}`];
  lines.push(`state (shrunk in ${e.shrinks} steps): ${shown(e.state, 600)}`);
  return lines;
}

function counts(cell: MatrixCell): string {
  const parts = (['ok', 'refused', 'unsafe', 'crash'] as const)
    .filter((o) => cell.counts[o] > 0)
    .map((o) => `${o === 'ok' || o === 'refused' ? o : o.toUpperCase()} ${cell.counts[o]}`);
  const codes = Object.entries(cell.refusedBy).map(([c, n]) => `${c} ${n}`);
  return `${parts.join(', ')}${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`;
}

/** Versions that do not run on this machine type: their rows and columns stay empty. */
export function absentOn(report: MatrixReport, machine: string): string[] {
  const present = new Set(report.pairs.filter((c) => c.machine === machine).flatMap((c) => c.route));
  return report.versions.filter((v) => !present.has(v));
}

function table(report: LabReport, machine: string): string[] {
  const m = report.matrix;
  const { versions } = m;
  const cells = new Map(m.pairs.filter((c) => c.machine === machine).map((c) => [c.route.join('>'), c]));
  const label = (c: MatrixCell | undefined) => (c ? pairVerdict(report, c).label : '·');
  const width = Math.max(12, ...[...cells.values()].map((c) => label(c).length + 2));
  const first = Math.max(12, ...versions.map((v) => v.length + 2));
  const out = [`  ${'from \\ to'.padEnd(first)}${versions.map((v) => v.padEnd(width)).join('')}`];
  for (const from of versions) {
    const row = versions.map((to) => label(cells.get(`${from}>${to}`)).padEnd(width));
    if (row.every((r) => r.trim() === '·')) continue;
    out.push(`  ${from.padEnd(first)}${row.join('')}`);
  }
  const absent = absentOn(m, machine);
  if (absent.length > 0) out.push(`  · not on ${machine}: ${absent.join(', ')}`);
  return out;
}

/** Predicates one side of which no generated state took, per source version and machine type. */
function coverageText(m: MatrixReport): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  let total = 0;
  for (const c of m.pairs) {
    const key = `${c.route[0]}@${c.machine}`;
    if (seen.has(key)) continue;
    seen.add(key);
    total += c.coverage.length;
    const oneSided = c.coverage.filter((p) => p.yes === 0 || p.no === 0);
    if (oneSided.length > 0)
      out.push(`  ${c.route[0]} on ${c.machine}: ${oneSided.map(sideText).join('; ')}`);
  }
  if (total === 0) return [];
  return [
    `Predicate branches over the generated states (per source and machine type): ${total} predicates, ${out.length === 0 ? 'every one seen both ways' : 'these seen one way only'}`,
    ...out,
  ];
}

function sideText(p: PredicateCoverage): string {
  const what = p.kind === 'exists' ? ['open', 'closed'] : ['sent', 'not sent'];
  return `${p.path} always ${p.yes === 0 ? what[1] : what[0]} (${p.yes + p.no})`;
}

/** The honesty table: one row per subsection × machine type, the answer in the third column. */
export function honestyRows(
  honesty: readonly (HonestyFinding & { versions: readonly string[] })[],
): string[][] {
  return honesty.map((h) => [
    `${h.description} › ${h.subsection.join(' › ')}`,
    h.machine,
    h.dishonest > 0 ? `UNSAFE ${h.dishonest}/${h.notNeeded}` : `ok 0/${h.notNeeded}`,
    `${h.runs - h.notNeeded}/${h.notNeeded}`,
    h.versions.join(', '),
  ]);
}

export const HONESTY_HEAD = ['subsection', 'machine', 'lied / not sent', 'sent / not sent', 'versions'];

function columns(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    `  ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  return [line(head), ...rows.map(line)];
}

function prevalenceText(p: PrevalenceReport): string[] {
  const out = [`Prevalence over a trace of ${p.steps} steps on ${p.version} (${p.machine}):`];
  for (const s of p.subsections) {
    const longest = s.longest
      ? `, longest ${s.longest.end - s.longest.start} steps from step ${s.longest.start}`
      : '';
    const phases = s.byPhase.filter((b) => b.needed > 0).map((b) => `${b.phase} ${b.needed}/${b.steps}`);
    out.push(
      `  ${s.path}: needed in ${s.needed}/${s.steps} steps (${pct(s.fraction)})${longest}${phases.length > 0 ? `; phases: ${phases.join(', ')}` : ''}`,
    );
  }
  for (const d of p.destinations) {
    const [lo, hi] = d.ci95;
    const why = Object.entries(d.refusedBy).map(([c, n]) => `${c} ${n}`);
    out.push(
      `  migrating to ${d.to} would fail at ${pct(d.rate)} of steps (95% CI ${pct(lo)}–${pct(hi)})${why.length > 0 ? ` [${why.join(', ')}]` : ''}${d.counts.unsafe > 0 ? ` UNSAFE ${d.counts.unsafe}` : ''}`,
    );
  }
  return out;
}

/** The text report of `vmstate matrix`: one table per machine type, then the problems found. */
export function formatLabText(report: LabReport): string {
  const m = report.matrix;
  const out: string[] = [
    `Migration matrix: ${m.versions.length} versions × ${m.machines.length} machine types, ${m.runs} states per cell, seed ${m.seed}`,
  ];
  for (const machine of m.machines) {
    out.push('', `Machine type ${machine} (rows: source, columns: destination)`, ...table(report, machine));
  }
  const bad = [...m.pairs, ...m.chains].filter((c) => worstOutcome(c.counts) !== 'ok');
  const serious = bad.filter((c) => c.counts.unsafe > 0 || c.counts.crash > 0);
  const refused = bad.filter((c) => !(c.counts.unsafe > 0 || c.counts.crash > 0));
  if (serious.length > 0) out.push('', 'UNSAFE or crashing migrations:');
  for (const c of serious) {
    out.push(`  ${c.route.join(' → ')} on ${c.machine}: ${counts(c)}`);
    for (const e of [c.examples.crash, c.examples.unsafe])
      if (e) out.push(...example(e).map((l) => `    ${l}`));
  }
  const refusedPairs = refused.filter((c) => c.route.length === 2);
  if (refusedPairs.length > 0) out.push('', 'Refused (safe) migrations:');
  for (const c of refusedPairs) {
    out.push(`  ${c.route.join(' → ')} on ${c.machine}: ${counts(c)}`);
    if (c.examples.refused) out.push(...example(c.examples.refused).map((l) => `    ${l}`));
  }
  const refusedChains = refused.length - refusedPairs.length;
  if (m.chains.length > 0) {
    out.push(
      '',
      `Chains: ${m.chains.length} (A→B→A and A→B→C), ${refusedChains} with refusals only, ${serious.filter((c) => c.route.length > 2).length} UNSAFE or crashing`,
    );
  }
  const lossy = m.unrepresented.filter((u) => u.paths.length > 0);
  if (lossy.length > 0) {
    out.push('', 'State a destination cannot represent (dropped if it arrives, not counted as UNSAFE):');
    for (const u of lossy) out.push(`  ${u.from} → ${u.to}: ${u.paths.join(', ')}`);
  }
  if (report.honesty.length > 0) {
    const honest = report.honesty.filter((h) => h.dishonest === 0);
    out.push(
      '',
      `needed() honesty, single hop (when not sent, the receiver must reconstruct the sender’s value): ${honest.length} of ${report.honesty.length} honest`,
      ...columns(HONESTY_HEAD, honestyRows(report.honesty)),
    );
    for (const h of report.honesty) {
      const e = h.example;
      if (h.dishonest === 0 || !e) continue;
      out.push(
        `  ${h.description} › ${h.subsection.join(' › ')} on ${h.machine}: not sent, and the receiver rebuilds another value`,
        `    ${pathText(e.path)}  sender ${shown(e.sent)}  ≠  receiver ${shown(e.reconstructed)}`,
        `    state (shrunk in ${e.shrinks} steps): ${shown(e.state, 600)}`,
      );
    }
  }
  const covered = coverageText(m);
  if (covered.length > 0) out.push('', ...covered);
  if (report.prevalence) out.push('', ...prevalenceText(report.prevalence));
  const t = m.totals;
  out.push('', `Pairs and chains: ok ${t.ok}, refused ${t.refused}, UNSAFE ${t.unsafe}, crash ${t.crash}`);
  return `${out.join('\n')}\n`;
}
