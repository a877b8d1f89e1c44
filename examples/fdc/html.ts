import type { DemoReport, Outcomes } from './demo.js';
import { backwardOf, failingStates, STATE_HEAD, stateRows } from './format.js';
import { percent } from './outcomes.js';
import { SYMPTOMS } from './run.js';

/** The demo's measured tables as HTML, added to the lab's report page. */

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function tableHtml(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</table>`;
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
    r.checks.map((c) => [c.holds ? '✓' : '✗', c.claim, c.detail]),
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
