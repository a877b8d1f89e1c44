import { OUTCOME_COLOURS } from '../compat/lab/index.js';
import type { DemoReport, Outcomes, PolicyVerdict, Rate } from './demo.js';
import {
  backwardByState,
  backwardOf,
  failingStates,
  STATE_HEAD,
  stateRows,
  verdictSentence,
} from './format.js';
import { emptyCounts, percent, type StateCounts } from './outcomes.js';
import { SYMPTOMS } from './run.js';

/** The demo's measured tables as HTML, added to the lab's report page. */

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function tableHtml(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const interval = (r: Rate) => `${pct(r.rate)} <span class="ci">[${pct(r.ci95[0])}–${pct(r.ci95[1])}]</span>`;

/** One policy's failing share as a bar: refused (safe) then silently changed, with 95% whiskers. */
function failureBar(v: PolicyVerdict, scale: number): string {
  const w = (x: number) => `${((100 * x) / scale).toFixed(2)}%`;
  const whisker = (r: Rate, top: number, colour: string) =>
    r.count === 0
      ? ''
      : `<div class="whisker" style="left:${w(r.ci95[0])};width:${w(r.ci95[1] - r.ci95[0])};top:${top}px;border-color:${colour}"></div>`;
  return `<div class="bar" data-policy="${v.policy}"><div class="seg refused" style="width:${w(v.refused.rate)};background:${OUTCOME_COLOURS.refused}"></div><div class="seg changed" style="left:${w(v.refused.rate)};width:${w(v.silentChange.rate)};background:${OUTCOME_COLOURS.unsafe}"></div>${whisker(v.refused, 9, '#5c4000')}${whisker(v.silentChange, 9, '#3a0000')}</div>`;
}

/** Per kind of controller state, what backward migration did under each policy: where the failures live. */
function stateGrid(r: DemoReport): string {
  const byPolicy = r.policies.map(backwardByState);
  const states = [...new Set(byPolicy.flatMap((m) => Object.keys(m)))]
    .filter((k) => k.includes('inferred'))
    .sort();
  const cell = (c: StateCounts) => {
    const [what, colour] =
      c.changed > 0
        ? [`${c.changed} of ${c.attempts} silently changed`, OUTCOME_COLOURS.unsafe]
        : c.refused > 0
          ? [
              `${c.refused} of ${c.attempts} refused${c.needless > 0 ? ` (${c.needless} needlessly)` : ''}`,
              OUTCOME_COLOURS.refused,
            ]
          : [`${c.attempts} of ${c.attempts} unchanged`, OUTCOME_COLOURS.ok];
    return `<td class="state" style="background:${colour}">${esc(what)}</td>`;
  };
  const rows = states.map(
    (k) => `<tr><th>${esc(k)}</th>${byPolicy.map((m) => cell(m[k] ?? emptyCounts())).join('')}</tr>`,
  );
  return `<table class="grid"><tr><th>non-prevalent state at the migration point (all profiles, random and targeted points)</th>${r.policies.map((p) => `<th>(${p.policy}) ${p.release} → v1</th>`).join('')}</tr>${rows.join('')}</table>`;
}

/**
 * The demo's answer, for the top of its page: per policy, how often a rollback to v1 at a random
 * moment goes on unaffected, is refused, or silently changes what the guest sees (95% Wilson
 * intervals), the bars that compare them, and the controller states where the failures happen.
 */
export function verdictHtml(r: DemoReport): string {
  const scale = Math.max(
    0.05,
    ...r.verdicts.map((v) =>
      Math.max(v.refused.ci95[1], v.silentChange.ci95[1], v.refused.rate + v.silentChange.rate),
    ),
  );
  const rounded = Math.ceil(scale * 20) / 20;
  const rows = r.verdicts.map(
    (v) =>
      `<tr data-policy="${v.policy}"><th>(${v.policy}) ${esc(v.release)}</th><td>${interval(v.success)}</td><td>${interval(v.refused)}</td><td class="${v.silentChange.count > 0 ? 'bad' : ''}">${interval(v.silentChange)}</td>` +
      `<td>${pct(v.targeted.refused.rate)} / ${pct(v.targeted.silentChange.rate)}</td><td class="bars">${failureBar(v, rounded)}</td></tr>`,
  );
  const n = r.verdicts[0]?.success.of ?? 0;
  return `<section id="verdict">
<style>
#verdict table{border-collapse:collapse;font-size:13px;margin:6px 0}#verdict td,#verdict th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:middle}
#verdict td.bad{color:${OUTCOME_COLOURS.unsafe};font-weight:bold}#verdict .ci{color:#666;font-weight:normal}
#verdict .answer{font-size:15px;margin:4px 0 8px}#verdict .answer li{margin:2px 0}
#verdict td.bars{width:320px}#verdict .bar{position:relative;height:22px;background:#eef3ee;width:300px}
#verdict .seg{position:absolute;top:0;height:22px}#verdict .whisker{position:absolute;height:4px;border:solid;border-width:0 2px 2px 2px;box-sizing:border-box}
#verdict td.state{color:#fff;font-weight:bold}#verdict table.grid th{font-weight:normal}
</style>
<h2>The answer: rolling back to v1 on pc-2.3 at a random moment</h2>
<ul class="answer">${r.verdicts.map((v) => `<li>${esc(verdictSentence(v))}</li>`).join('')}</ul>
<table><tr><th>policy</th><th>loads, guest unaffected</th><th>refused (safe)</th><th>loads, guest sees a change (silent)</th><th>non-prevalent points: refused / silent</th><th><span style="color:${OUTCOME_COLOURS.refused}">■</span> refused and <span style="color:${OUTCOME_COLOURS.unsafe}">■</span> silently changed, 0–${pct(rounded)} (95% intervals)</th></tr>
${rows.join('\n')}</table>
<p class="note">${n} random backward migrations per policy (all profiles), 95% Wilson intervals; migration points are correlated within a workload, so read the intervals as indicative.</p>
<p>Where the failures happen: the same points under each policy, by state of the controller.</p>
${stateGrid(r)}
</section>`;
}

function seen(o: Outcomes): string {
  const parts = SYMPTOMS.filter((s) => o.symptoms[s] > 0).map((s) => `${s} ${o.symptoms[s]}`);
  return parts.join(', ') || '—';
}

export function demoSectionHtml(r: DemoReport): string {
  const workloads = tableHtml(
    ['profile', 'what the driver does', 'sectors', 'steps (v2)', 'phase ≠ inferred', 'of virtual time'],
    r.profiles.map((p) => [
      p.profile,
      p.summary,
      String(p.sectors),
      String(p.steps.v2),
      `${p.notPrevalent.steps} (${percent(p.notPrevalent.steps, p.steps.v2, 2)})`,
      percent(p.notPrevalent.timeFraction * 1e6, 1e6, 4),
    ]),
  );
  const policies = r.policies
    .map(
      (p) =>
        `<h3>(${p.policy}) ${esc(p.release)}: ${esc(p.summary.replace(/^\([abc]\) /, ''))}</h3>` +
        tableHtml(
          [
            'profile',
            'fdc/phase sent on pc-2.3',
            'on pc-2.4',
            `${p.release}→v1 loads (random points)`,
            'loaded but changed',
            'targeted non-prevalent states: loads',
            'loaded but changed',
            'states that failed (all points)',
            'what the guest saw (all points)',
          ],
          p.rows.map((row) => [
            row.profile,
            percent(row.phaseSent['pc-2.3'] ?? 0, 1, 2),
            percent(row.phaseSent['pc-2.4'] ?? 0, 1, 2),
            `${row.backward.loaded}/${row.backward.attempts}`,
            String(row.backward.changed),
            `${row.backwardRare.loaded}/${row.backwardRare.attempts}`,
            String(row.backwardRare.changed),
            failingStates(backwardOf(row)),
            seen(backwardOf(row)),
          ]),
        ),
    )
    .join('\n');
  const checks = tableHtml(
    ['', 'claim', 'measured'],
    r.checks.map((c) => [c.holds ? '✓' : '✗ does not hold', c.claim, c.detail]),
  );
  return `<section id="demo">
<h2>Behaviour under migration (vmstate demo)</h2>
<p>Seed ${r.seed}; ${r.steps} random migration points per profile and runtime, plus up to ${r.rare} in each kind of state where the phase is not prevalent; ${r.migrations} migrations, each saved to bytes, loaded into fresh devices and continued, compared with the unmigrated run.</p>
<h3>Workloads</h3>
${workloads}
${policies}
<h3>Backward migration by state of the controller</h3>
${tableHtml(STATE_HEAD, stateRows(r))}
<h3>Checks</h3>
${checks}
</section>`;
}

/** Adds the demo's section to a page (before `</body>`). */
export function demoHtml(r: DemoReport, page: string): string {
  const at = page.lastIndexOf('</body>');
  const section = demoSectionHtml(r);
  return at < 0 ? `${page}\n${section}` : `${page.slice(0, at)}${section}\n${page.slice(at)}`;
}
