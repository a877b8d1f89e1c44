import type {
  CellReport,
  DemoReport,
  Outcomes,
  PolicyReport,
  PolicyRow,
  PolicyVerdict,
  ProfileReport,
  Rate,
} from './demo.js';
import { addStateCounts, emptyCounts, percent, type StateCounts } from './outcomes.js';
import { SYMPTOMS } from './run.js';

/**
 * Plain-text tables for the terminal. Every table fits 100 columns (the CLI wraps prose lines to
 * the output width with fitWidth; a wrapped table row would no longer read as one).
 */

function table(head: readonly string[], rows: readonly (readonly string[])[], indent = '  '): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

function symptomsText(o: { symptoms: Outcomes['symptoms'] }): string {
  const parts = SYMPTOMS.filter((s) => o.symptoms[s] > 0).map((s) => `${s} ${o.symptoms[s]}`);
  return parts.length > 0 ? parts.join(', ') : '—';
}

function loads(o: Outcomes): string {
  return o.attempts === 0 ? '—' : `${o.loaded}/${o.attempts} (${percent(o.loaded, o.attempts)})`;
}

function changed(o: Outcomes): string {
  return o.loaded === 0 ? '0' : `${o.changed} (${percent(o.changed, o.loaded)})`;
}

function workloadTable(profiles: readonly ProfileReport[]): string {
  return table(
    [
      'profile',
      'ops',
      'sectors',
      'steps v1/v2',
      'virtual',
      'phase ≠ inferred',
      'of time',
      'boot',
      'io',
      'idle',
    ],
    profiles.map((p) => {
      const n = p.notPrevalent;
      const st = (k: 'boot' | 'io' | 'idle') => percent(n.byStretch[k].notPrevalent, n.byStretch[k].steps, 2);
      return [
        p.profile,
        String(p.ops),
        String(p.sectors),
        `${p.steps.v1}/${p.steps.v2}`,
        `${p.virtualSeconds.toFixed(1)} s`,
        `${n.steps} (${percent(n.steps, p.steps.v2, 2)})`,
        percent(n.timeFraction * 1e6, 1e6, 4),
        st('boot'),
        st('io'),
        st('idle'),
      ];
    }),
  );
}

function statesTable(profiles: readonly ProfileReport[]): string {
  const labels = [...new Set(profiles.flatMap((p) => Object.keys(p.notPrevalent.byState)))].sort();
  return table(
    ['state (phase ≠ what the MSR suggests)', ...profiles.map((p) => p.profile)],
    labels.map((l) => [l, ...profiles.map((p) => String(p.notPrevalent.byState[l] ?? 0))]),
  );
}

function merge(list: readonly Outcomes[]): Outcomes {
  const out: Outcomes = {
    attempts: 0,
    loaded: 0,
    refused: 0,
    needless: 0,
    changed: 0,
    symptoms: Object.fromEntries(SYMPTOMS.map((s) => [s, 0])) as Outcomes['symptoms'],
    byState: {},
  };
  const o = out as { -readonly [K in keyof Outcomes]: Outcomes[K] };
  for (const x of list) {
    o.attempts += x.attempts;
    o.loaded += x.loaded;
    o.refused += x.refused;
    o.needless += x.needless;
    o.changed += x.changed;
    for (const s of SYMPTOMS) o.symptoms[s] += x.symptoms[s];
    addStateCounts(o.byState, x.byState);
  }
  return out;
}

/** A policy's backward migrations to v1 (random and targeted points, all profiles) per controller state. */
export function backwardByState(p: PolicyReport): Record<string, StateCounts> {
  return merge(p.rows.flatMap((r) => [r.backward, r.backwardRare])).byState;
}

/** The state label up to its explanation: `COMMAND MSR 10`. */
const shortState = (label: string) => label.replace(/ \(.*$/, '').replace(', ', ' ');

/** Where backward migrations failed: the states refused or changed, most frequent first. */
export function failingStates(o: Outcomes): string {
  const by = (what: 'refused' | 'changed') =>
    Object.entries(o.byState)
      .filter(([, c]) => c[what] > 0)
      .sort(([a, x], [b, y]) => y[what] - x[what] || a.localeCompare(b))
      .map(([label, c]) => `${shortState(label)} ×${c[what]}`);
  const parts = [
    ...(o.refused > 0 ? [`refused in ${by('refused').join(', ')}`] : []),
    ...(o.changed > 0 ? [`changed in ${by('changed').join(', ')}`] : []),
  ];
  return parts.join('; ') || 'none failed';
}

/** A profile's backward migrations to v1, random and targeted points together. */
export const backwardOf = (row: PolicyRow): Outcomes => merge([row.backward, row.backwardRare]);

export { symptomsText };

function policySection(p: PolicyReport): string {
  const r = p.release;
  const head = [
    'profile',
    'sent pc-2.3',
    'pc-2.4',
    `${r}→v1 loads`,
    'of those changed',
    'targeted: loads',
    'changed',
  ];
  const rows = p.rows.map((row) => [
    row.profile,
    percent(row.phaseSent['pc-2.3'] ?? 0, 1, 2),
    percent(row.phaseSent['pc-2.4'] ?? 0, 1, 2),
    loads(row.backward),
    changed(row.backward),
    loads(row.backwardRare),
    changed(row.backwardRare),
  ]);
  const others = table(
    ['profile', `${r}→${r} pc-2.3 changed`, `v1→${r} changed`],
    p.rows.map((row) => [row.profile, changed(row.sameOld), changed(row.forward)]),
  );
  const back = merge(p.rows.flatMap((x) => [x.backward, x.backwardRare]));
  const width = Math.max(3, ...p.rows.map((x) => x.profile.length));
  const sameOld = merge(p.rows.flatMap((x) => [x.sameOld, x.sameOldRare]));
  const lines = [
    `Policy (${p.policy}) ${r}: ${p.summary.replace(/^\([abc]\) /, '')}`,
    table(head, rows),
    others,
    `    backward ${r}→v1 (random and targeted points), per profile: the states that failed; what the guest saw`,
    ...p.rows.map((row) => {
      const o = backwardOf(row);
      return `      ${row.profile.padEnd(width)}  ${failingStates(o)}; the guest saw ${symptomsText(o)}`;
    }),
    `      ${'all'.padEnd(width)}  the guest saw ${symptomsText(back)}`,
    ...(sameOld.changed > 0 ? [`    ${r}→${r} on pc-2.3, what the guest saw: ${symptomsText(sameOld)}`] : []),
  ];
  return lines.join('\n');
}

function matrix(cells: readonly CellReport[]): string {
  const keys = [...new Set(cells.map((c) => `${c.source}→${c.destination}@${c.machine}`))];
  const rows = keys.map((k) => {
    const list = cells.filter(
      (c) => `${c.source}→${c.destination}@${c.machine}` === k && c.sample === 'random',
    );
    const t = list.reduce(
      (a, c) => ({
        n: a.n + c.attempts,
        refused: a.refused + c.refused,
        changed: a.changed + c.changed,
      }),
      { n: 0, refused: 0, changed: 0 },
    );
    return [k, String(t.n), String(t.refused), String(t.changed), percent(t.n - t.refused - t.changed, t.n)];
  });
  return table(['migration', 'random points', 'refused', 'changed', 'ok'], rows);
}

/**
 * What happens when a backward migration (to v1 on pc-2.3) hits each kind of state, per policy:
 * all sampled points (random and targeted) of all profiles.
 */
export function stateRows(report: DemoReport): string[][] {
  const byPolicy = report.policies.map(backwardByState);
  const labels = new Set(byPolicy.flatMap((m) => Object.keys(m)));
  const count = (m: Record<string, StateCounts>, label: string) => m[label] ?? emptyCounts();
  return [...labels]
    .filter(
      (l) => l.includes('inferred') || byPolicy.some((m) => count(m, l).refused + count(m, l).changed > 0),
    )
    .sort()
    .map((label) => [
      label,
      ...byPolicy.map((m) => {
        const c = count(m, label);
        const parts = [`${c.attempts} pts`];
        if (c.refused > 0)
          parts.push(`${c.refused} refused${c.needless > 0 ? ` (${c.needless} needlessly)` : ''}`);
        if (c.changed > 0) parts.push(`${c.changed} changed`);
        if (c.unchanged > 0) parts.push(`${c.unchanged} unchanged`);
        return parts.join(', ');
      }),
    ]);
}

export const STATE_HEAD = ['state at the migration point', '(a) v2a→v1', '(b) v2b→v1', '(c) v2c→v1'];

/** The states as a list (a table of them is 175 columns wide): each state, then one line per policy. */
function statesList(report: DemoReport): string[] {
  return stateRows(report).flatMap(([label, ...cells]) => [
    `  ${label}`,
    ...cells.map((c, i) => `      ${(STATE_HEAD[i + 1] ?? '').padEnd(12)}${c}`),
  ]);
}

const rateText = (r: Rate) => `${percent(r.count, r.of)} [${percent(r.ci95[0], 1)}–${percent(r.ci95[1], 1)}]`;

/** One line of the answer: what a rollback to v1 at a random moment does under this policy. */
export function verdictSentence(v: PolicyVerdict): string {
  const head = `(${v.policy}) ${v.release}:`;
  const nums = `${rateText(v.success)} go on unaffected, ${rateText(v.refused)} refused, ${rateText(v.silentChange)} silently changed`;
  const what =
    v.silentChange.count === 0 && v.targeted.silentChange.count === 0
      ? 'fails safe: every failure is a refusal'
      : v.refused.count === 0 && v.targeted.refused.count === 0
        ? `never refuses, and is silently wrong (${percent(v.targeted.silentChange.count, v.targeted.silentChange.of)} of the non-prevalent states)`
        : 'both refuses and silently changes state';
  return `${head} ${what}; ${nums}`;
}

function verdictTable(report: DemoReport): string {
  return table(
    ['policy', 'unaffected', 'refused (safe)', 'silently changed', 'targeted: refused', 'silent'],
    report.verdicts.map((v) => [
      `(${v.policy}) ${v.release}`,
      rateText(v.success),
      rateText(v.refused),
      rateText(v.silentChange),
      percent(v.targeted.refused.count, v.targeted.refused.of),
      percent(v.targeted.silentChange.count, v.targeted.silentChange.of),
    ]),
  );
}

export function formatDemoText(report: DemoReport): string {
  const n = report.verdicts[0]?.success.of ?? 0;
  const out = [
    'vmstate demo: an 82077AA-style floppy controller, and three ways to ship its phase',
    '',
    `The answer: rolling back to v1 on pc-2.3 at a random moment (${n} points per policy, 95% Wilson intervals)`,
    verdictTable(report),
    ...report.verdicts.map((v) => `  ${verdictSentence(v)}`),
    '',
    `seed ${report.seed} · ${report.steps} random migration points per profile and runtime, plus up to ${report.rare} in each kind of state where the phase is not prevalent · ${report.migrations} migrations · ${(report.elapsedMs / 1000).toFixed(1)} s${report.full ? ' · every run to its end' : ''}`,
    '',
    'Releases',
    table(
      ['release', 'machine types', 'runtime'],
      report.releases.map((r) => [r.name, r.machines.join(', '), r.runtime]),
    ),
    ...report.releases.map((r) => `  ${r.name}: ${r.summary}`),
    '',
    'Workloads (unmigrated; steps are port accesses and pauses of the guest)',
    workloadTable(report.profiles),
    ...report.profiles.map((p) => `  ${p.profile}: ${p.summary}`),
    '',
    statesTable(report.profiles),
    '',
    ...report.policies.flatMap((p) => [policySection(p), '']),
    'Backward migration (to v1 on pc-2.3) by state of the controller, all profiles and points',
    ...statesList(report),
    '',
    'Every pair of releases and machine type (random points, all profiles)',
    matrix(report.cells),
    '',
    'Checks',
    ...report.checks.map((c) => `  ${c.holds ? '✓' : '✗ does not hold:'} ${c.claim}\n      ${c.detail}`),
    '',
  ];
  return out.join('\n');
}
