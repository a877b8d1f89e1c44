import type { LabReport } from './lab.js';
import { type Counterexample, type MatrixCell, worstOutcome } from './matrix.js';
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

function example(e: Counterexample): string[] {
  const where = pathText(e.path);
  const lines =
    e.outcome === 'unsafe'
      ? [
          `${where}: sent ${shown(e.expected)}, loaded ${shown(e.actual)}${e.hop > 0 || e.stage === 'round-trip' ? ` (${e.stage}, hop ${e.hop + 1})` : ''}`,
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

function table(report: LabReport, machine: string): string[] {
  const { versions } = report.matrix;
  const cells = new Map(
    report.matrix.pairs.filter((c) => c.machine === machine).map((c) => [c.route.join('>'), c]),
  );
  const width = Math.max(12, ...[...cells.values()].map((c) => cellLabel(c).length + 2));
  const first = Math.max(12, ...versions.map((v) => v.length + 2));
  const out = [`  ${'from \\ to'.padEnd(first)}${versions.map((v) => v.padEnd(width)).join('')}`];
  for (const from of versions) {
    const row = versions.map((to) => {
      const c = cells.get(`${from}>${to}`);
      return (c ? cellLabel(c) : '·').padEnd(width);
    });
    if (row.every((r) => r.trim() === '·')) continue;
    out.push(`  ${from.padEnd(first)}${row.join('')}`);
  }
  return out;
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
    const names = new Set(honest.map((h) => `${h.description} › ${h.subsection.join(' › ')}`));
    out.push(
      '',
      'needed() honesty (when not sent, the receiver must reconstruct the sender’s value):',
      `  honest: ${honest.length} of ${report.honesty.length} checks (${[...names].join(', ') || 'none'})`,
    );
    for (const h of report.honesty) {
      const name = `${h.description} › ${h.subsection.join(' › ')} on ${h.machine} (${h.versions.join(', ')})`;
      if (h.dishonest === 0) continue;
      out.push(`  ${name}: DISHONEST in ${h.dishonest}/${h.notNeeded} states where not needed`);
      const e = h.example;
      if (e) {
        out.push(
          `    ${pathText(e.path)}: sender has ${shown(e.sent)}, receiver reconstructs ${shown(e.reconstructed)}`,
        );
        out.push(`    state (shrunk in ${e.shrinks} steps): ${shown(e.state, 600)}`);
      }
    }
  }
  if (report.prevalence) out.push('', ...prevalenceText(report.prevalence));
  const t = m.totals;
  out.push('', `Pairs and chains: ok ${t.ok}, refused ${t.refused}, UNSAFE ${t.unsafe}, crash ${t.crash}`);
  return `${out.join('\n')}\n`;
}
