import { importPeer } from '../base/load-module.js';
import type { LabReport } from './lab.js';
import { type Counterexample, type MatrixCell, worstOutcome } from './matrix.js';
import type { Outcome } from './migrate.js';
import type { PrevalenceReport } from './prevalence.js';
import { absentOn, HONESTY_HEAD, honestyRows, pairVerdict } from './text.js';
import { compactJson, pathText, shown } from './values.js';

/** Outcome colours, shared by the heat map, the legend and the tables. */
export const OUTCOME_COLOURS: Readonly<Record<Outcome, string>> = Object.freeze({
  ok: '#2e7d32',
  refused: '#f2a900',
  unsafe: '#c62828',
  crash: '#6a1b9a',
});

/** Names of the chart marks, so tests (and people) can find them in the SVG: `g.<name>_marks`. */
export const MARKS = Object.freeze({
  heatmap: 'heatmap_cells',
  timeline: 'timeline_stretches',
  phases: 'timeline_phases',
  risk: 'risk_bars',
});

// biome-ignore lint/suspicious/noExplicitAny: Vega-Lite specs are JSON
type Spec = Record<string, any>;

/** Renders a Vega-Lite spec to an SVG string in Node (no browser, no network). */
async function toSvg(spec: Spec): Promise<string> {
  // Optional peers: only the charts need them (literal imports, so that bundlers still see them).
  const [vega, vl] = await Promise.all([
    importPeer('vega', 'the charts of the HTML report', () => import('vega')),
    importPeer('vega-lite', 'the charts of the HTML report', () => import('vega-lite')),
  ]);
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
const CONFIG = { font: FONT, view: { stroke: null }, axis: { labelFontSize: 12, titleFontSize: 12 } };

/** Colour of a (source, destination) that one of them does not run on this machine type. */
const ABSENT = { outcome: 'not on this machine type', colour: '#e6e6e6', text: '#555' } as const;

/** One heat-map cell per machine type and ordered pair: its worst outcome and a short label. */
function heatmapValues(report: LabReport) {
  const m = report.matrix;
  const cells = new Map(m.pairs.map((c) => [`${c.machine}|${c.route.join('>')}`, c]));
  return m.machines.flatMap((machine) =>
    m.versions.flatMap((source) =>
      m.versions.map((destination) => {
        const c = cells.get(`${machine}|${source}>${destination}`);
        if (!c) {
          const absent = absentOn(m, machine);
          const who = [...new Set([source, destination].filter((v) => absent.includes(v)))];
          // The cells of a version's own row and column name it; where two such meet, a dash.
          const label = who.length === 1 ? `no ${who[0]}` : '—';
          return { source, destination, machine, outcome: ABSENT.outcome, label };
        }
        const v = pairVerdict(report, c);
        return {
          source,
          destination,
          machine,
          outcome: v.outcome,
          label: v.label.replace('refused', 'ref.'),
        };
      }),
    ),
  );
}

function heatmapSpec(report: LabReport): Spec {
  const m = report.matrix;
  const values = heatmapValues(report);
  const outcomes = [...Object.keys(OUTCOME_COLOURS), ABSENT.outcome];
  const colours = [...Object.values(OUTCOME_COLOURS), ABSENT.colour];
  const axis = (title: string) => ({
    type: 'nominal',
    scale: { domain: m.versions },
    sort: m.versions,
    title,
  });
  const x = { field: 'destination', ...axis('destination') };
  const y = { field: 'source', ...axis('source') };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'machine', type: 'nominal', sort: m.machines, title: 'machine type' } },
    spec: {
      // Every machine type side by side within a 1400 px screen.
      width: {
        step: Math.max(
          56,
          Math.min(
            92,
            Math.floor((1180 - 70 * m.machines.length) / Math.max(1, m.machines.length * m.versions.length)),
          ),
        ),
      },
      height: { step: 34 },
      layer: [
        {
          name: MARKS.heatmap,
          mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
          encoding: {
            x,
            y,
            color: {
              field: 'outcome',
              type: 'nominal',
              scale: { domain: outcomes, range: colours },
              legend: {
                title: 'worst outcome (the pair, chains that lost state on this hop, needed())',
                orient: 'bottom',
                labelLimit: 0,
                titleLimit: 0,
              },
            },
            description: { field: 'label' },
          },
        },
        {
          mark: { type: 'text', fontSize: 11, fontWeight: 'bold' },
          encoding: {
            x,
            y,
            text: { field: 'label' },
            color: {
              condition: { test: `datum.outcome === '${ABSENT.outcome}'`, value: ABSENT.text },
              value: 'white',
            },
          },
        },
      ],
    },
  };
}

/**
 * Row labels for the timeline: the paths without the prefix they all share (shown in the axis
 * title instead), so no two rows read the same when long paths are cut.
 */
export function timelineLabels(paths: readonly string[]): { labels: string[]; common: string } {
  const split = paths.map((p) => p.split(' › '));
  let k = 0;
  const shortest = Math.min(...split.map((s) => s.length));
  while (k < shortest - 1 && split.every((s) => s[k] === split[0]?.[k])) k++;
  return {
    labels: split.map((s) => s.slice(k).join(' › ')),
    common: (split[0] ?? []).slice(0, k).join(' › '),
  };
}

function timelineSpec(p: PrevalenceReport): Spec {
  const { labels: rows, common } = timelineLabels(p.subsections.map((s) => s.path));
  const stretches = p.subsections.flatMap((s, i) =>
    s.stretches.map((st) => ({
      subsection: rows[i],
      start: st.start,
      end: st.end,
      steps: st.end - st.start,
    })),
  );
  const x = {
    type: 'quantitative',
    scale: { domain: [0, Math.max(1, p.steps)], nice: false },
    title: 'step',
  };
  const band: Spec = {
    name: MARKS.timeline,
    width: 720,
    height: { step: 26 },
    data: { values: stretches },
    mark: { type: 'rect', color: '#1565c0', height: { band: 0.7 } },
    encoding: {
      x: { field: 'start', ...x },
      x2: { field: 'end' },
      y: {
        field: 'subsection',
        type: 'nominal',
        scale: { domain: rows },
        title: common === '' ? null : `${common} ›`,
        // No cut labels: two paths that share a long prefix would read the same.
        axis: { labelLimit: 0 },
      },
      description: { field: 'subsection' },
    },
  };
  if (p.phases.length === 0)
    return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, ...band };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CONFIG,
    vconcat: [
      {
        name: MARKS.phases,
        width: 720,
        height: 22,
        data: { values: p.phases.map((ph) => ({ ...ph, phase: ph.phase === '' ? '(none)' : ph.phase })) },
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'start', ...x, axis: null },
          x2: { field: 'end' },
          color: { field: 'phase', type: 'nominal', legend: { title: 'phase', orient: 'top' } },
        },
      },
      band,
    ],
  };
}

function riskSpec(p: PrevalenceReport): Spec {
  const values = p.destinations.map((d) => ({ to: d.to, rate: d.rate, lo: d.ci95[0], hi: d.ci95[1] }));
  const y = { field: 'to', type: 'nominal', title: `from ${p.version} to` };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CONFIG,
    width: 480,
    height: { step: 26 },
    data: { values },
    layer: [
      {
        name: MARKS.risk,
        mark: { type: 'bar', color: OUTCOME_COLOURS.refused },
        encoding: {
          y,
          x: {
            field: 'rate',
            type: 'quantitative',
            scale: { domain: [0, 1] },
            axis: { format: '%' },
            title: 'steps that would fail (95% Wilson CI)',
          },
        },
      },
      {
        mark: { type: 'rule', color: '#333' },
        encoding: { y, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } },
      },
    ],
  };
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function badge(o: Outcome): string {
  return `<span class="badge" style="background:${OUTCOME_COLOURS[o]}">${o === 'ok' || o === 'refused' ? o : o.toUpperCase()}</span>`;
}

/** Sender vs receiver, one row per differing member: what a reader needs before any whole state. */
function diffTable(rows: readonly { path: string; sent: unknown; received: unknown }[]): string {
  return `<table class="diff"><tr><th>member</th><th>sender</th><th>receiver</th></tr>${rows
    .map(
      (r) =>
        `<tr><td><code>${esc(r.path)}</code></td><td class="sent"><code>${esc(shown(r.sent))}</code></td><td class="received"><code>${esc(shown(r.received))}</code></td></tr>`,
    )
    .join('')}</table>`;
}

function stateDetails(state: unknown, shrinks: number): string {
  return `<details><summary>whole source state (shrunk in ${shrinks} steps)</summary><pre>${esc(compactJson(state))}</pre></details>`;
}

function exampleHtml(e: Counterexample): string {
  const where = `${e.stage}, hop ${e.hop + 1}`;
  if (e.outcome === 'unsafe') {
    const list = e.differences ?? [{ path: e.path, expected: e.expected, actual: e.actual }];
    return `${diffTable(list.map((d) => ({ path: pathText(d.path), sent: d.expected, received: d.actual })))}<p class="note">${esc(e.message)} (${where})</p>${stateDetails(e.state, e.shrinks)}`;
  }
  return `<code>${esc(pathText(e.path))}</code>: ${esc(e.message)} <code>${esc(e.code)}</code> (${where})${stateDetails(e.state, e.shrinks)}`;
}

function cellRows(cells: readonly MatrixCell[]): string {
  const rows: string[] = [];
  for (const c of cells) {
    const total = Object.values(c.counts).reduce((a, b) => a + b, 0);
    for (const o of ['crash', 'unsafe', 'refused'] as const) {
      if (c.counts[o] === 0) continue;
      const e = c.examples[o];
      rows.push(
        `<tr><td>${esc(c.route.join(' → '))}</td><td>${esc(c.machine)}</td><td>${badge(o)} ${c.counts[o]}/${total}</td><td>${e ? exampleHtml(e) : ''}</td></tr>`,
      );
    }
  }
  return rows.join('\n');
}

const HEAD = ['route', 'machine', 'outcome', 'what differs (sender vs receiver) or why it was refused'];

function tableHtml(head: readonly string[], rows: readonly string[], empty: string): string {
  return `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>\n${rows.join('\n') || `<tr><td colspan="${head.length}">${esc(empty)}</td></tr>`}\n</table>`;
}

type Finding = LabReport['honesty'][number];

function honestyRowsHtml(honesty: readonly Finding[]): string[] {
  return honesty.map((h, i) => {
    const [name, machine, verdict, sides, versions] = honestyRows([h])[0] as string[];
    const e = h.example;
    const badgeHtml = h.dishonest > 0 ? badge('unsafe') : badge('ok');
    return (
      `<tr id="honesty-${i}"><td>${esc(name ?? '')}</td><td>${esc(machine ?? '')}</td><td>${badgeHtml} ${esc((verdict ?? '').replace(/^(ok|UNSAFE) /, ''))}</td><td>${esc(sides ?? '')}</td><td>${esc(versions ?? '')}</td>` +
      `<td>${e ? `${diffTable([{ path: pathText(e.path), sent: e.sent, received: e.reconstructed }])}${stateDetails(e.state, e.shrinks)}` : ''}</td></tr>`
    );
  });
}

function coverageRows(m: LabReport['matrix']): string[] {
  const seen = new Set<string>();
  const rows: string[] = [];
  for (const c of m.pairs) {
    const key = `${c.route[0]}@${c.machine}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const p of c.coverage) {
      const one = p.yes === 0 || p.no === 0;
      const [yes, no] = p.kind === 'exists' ? ['open', 'closed'] : ['sent', 'not sent'];
      rows.push(
        `<tr${one ? ' class="one-sided"' : ''}><td>${esc(c.route[0] ?? '')}</td><td>${esc(c.machine)}</td><td><code>${esc(p.path)}</code></td><td>${p.kind}</td><td>${yes} ${p.yes}</td><td>${no} ${p.no}</td></tr>`,
      );
    }
  }
  return rows;
}

/** The answer first: every UNSAFE the report holds, one line each, before any chart. */
function answerHtml(report: LabReport): string {
  const m = report.matrix;
  const unsafePairs = m.pairs.filter((c) => c.counts.unsafe > 0 || c.counts.crash > 0);
  const unsafeChains = m.chains.filter((c) => c.counts.unsafe > 0 || c.counts.crash > 0);
  const dishonest = report.honesty.filter((h) => h.dishonest > 0);
  const refused = m.pairs.filter((c) => c.counts.refused > 0);
  const items: string[] = [];
  for (const c of unsafePairs) {
    const e = c.examples.unsafe ?? c.examples.crash;
    const d = e?.differences?.[0];
    items.push(
      `<li>${badge(worstOutcome(c.counts))} <b>${esc(c.route.join(' → '))}</b> on ${esc(c.machine)}: ${c.counts.unsafe + c.counts.crash} of ${m.runs} states${d ? `; <code>${esc(pathText(d.path))}</code> sender ${esc(shown(d.expected))} ≠ receiver ${esc(shown(d.actual))}` : ''}</li>`,
    );
  }
  for (const h of dishonest) {
    const e = h.example;
    items.push(
      `<li>${badge('unsafe')} <b>needed() of ${esc(h.subsection.join(' › '))}</b> on ${esc(h.machine)} (${esc(h.versions.join(', '))}): not sent in ${h.notNeeded} states, the receiver rebuilt another value in ${h.dishonest}${e ? `; <code>${esc(pathText(e.path))}</code> sender ${esc(shown(e.sent))} ≠ receiver ${esc(shown(e.reconstructed))}` : ''}</li>`,
    );
  }
  if (unsafeChains.length > 0) {
    items.push(
      `<li>${badge('unsafe')} <b>${unsafeChains.length} chain(s)</b> lose state on the way (coloured on the hop that dropped it): ${esc(
        unsafeChains
          .slice(0, 6)
          .map((c) => `${c.route.join(' → ')} on ${c.machine}`)
          .join('; '),
      )}${unsafeChains.length > 6 ? '; …' : ''}</li>`,
    );
  }
  const verdict =
    items.length === 0
      ? `<p class="verdict ok">${badge('ok')} No migration changed state silently${refused.length > 0 ? `; ${refused.length} pair(s) refuse some states, which is safe` : ''}.</p>`
      : `<p class="verdict bad">${badge('unsafe')} ${unsafePairs.length} pair(s), ${unsafeChains.length} chain(s) and ${dishonest.length} needed() predicate(s) lose state silently:</p><ul class="findings">${items.join('')}</ul>`;
  return `<section id="answer">${verdict}</section>`;
}

/**
 * The self-contained HTML report: a heat map of source × destination per machine type coloured by
 * the worst outcome, the counterexamples, `needed()` honesty, and (with a trace) each subsection's
 * prevalence timeline and the failure rate per destination. Charts are Vega-Lite rendered to
 * inline SVG in Node: the file needs no script and no network.
 */
export async function renderLabHtml(
  report: LabReport,
  options: { title?: string; lead?: string } = {},
): Promise<string> {
  const m = report.matrix;
  const title = options.title ?? 'vmstate migration matrix';
  const heatmap = await toSvg(heatmapSpec(report));
  const p = report.prevalence;
  const timeline = p ? await toSvg(timelineSpec(p)) : '';
  const risk = p && p.destinations.length > 0 ? await toSvg(riskSpec(p)) : '';
  const bad = (cells: readonly MatrixCell[]) => cells.filter((c) => worstOutcome(c.counts) !== 'ok');
  const seriousChains = m.chains.filter((c) => c.counts.unsafe > 0 || c.counts.crash > 0);
  const t = m.totals;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:${FONT};margin:20px 24px;color:#222;max-width:1320px}
h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}
table.diff{margin:0 0 4px}table.diff td.sent{background:#e8f5e9}table.diff td.received{background:#ffebee}
pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;max-width:520px;max-height:16em;overflow-y:auto;font-size:12px}
code{font-size:12px;overflow-wrap:anywhere}details summary{cursor:pointer;color:#555;font-size:12px}
.badge{color:#fff;padding:1px 6px;border-radius:3px;font-size:12px;font-weight:bold}
.summary span{margin-right:14px}.chart{overflow-x:auto}.note{margin:2px 0;color:#555;font-size:12px}
.verdict{font-size:15px;margin:6px 0}ul.findings{margin:4px 0 8px;padding-left:22px;font-size:13px}ul.findings li{margin:2px 0}
tr.one-sided td{background:#fff8e1}
</style></head><body>
<h1>${esc(title)}</h1>
${options.lead ?? ''}
${answerHtml(report)}
<div class="chart" id="heatmap">${heatmap}</div>
<p class="summary">${m.versions.length} versions × ${m.machines.length} machine types · ${m.runs} generated states per cell · seed ${m.seed} · <span>${badge('ok')} ${t.ok}</span><span>${badge('refused')} ${t.refused}</span><span>${badge('unsafe')} ${t.unsafe}</span><span>${badge('crash')} ${t.crash}</span> migrations (pairs and chains)</p>
<h2>Counterexamples (pairs)</h2>
${tableHtml(
  HEAD,
  [cellRows(bad(m.pairs))].filter((r) => r !== ''),
  'every pair migrated every state',
)}
<h2>Chains (A→B→A, A→B→C)</h2>
<p>${m.chains.length} chains; ${bad(m.chains).length} with a non-ok outcome, ${seriousChains.length} UNSAFE or crashing.</p>
${seriousChains.length > 0 ? tableHtml(HEAD, [cellRows(seriousChains)], '') : ''}
<h2 id="honesty">needed() honesty (single hop)</h2>
<p>When a subsection is not sent, a receiver must rebuild the sender’s value. Per subsection and machine type: states in which it lied, of those in which it was not sent.</p>
${tableHtml([...HONESTY_HEAD, 'counterexample'], honestyRowsHtml(report.honesty), 'no subsection with needed()')}
<h2 id="coverage">Predicate branches</h2>
<p>How often each side of every predicate was taken over the generated states (per source version and machine type); highlighted: one side never seen, so never tested.</p>
${tableHtml(['source', 'machine', 'predicate', 'kind', 'yes', 'no'], coverageRows(m), 'no predicates')}
${
  p
    ? `<h2>Prevalence over the trace (${p.steps} steps on ${esc(p.version)}, ${esc(p.machine)})</h2>
<p>Blue: steps in which the subsection is needed (sent), so an older destination that lacks it refuses.</p>
<div class="chart" id="timeline">${timeline}</div>
${risk ? `<h3>Backward migration risk</h3><div class="chart" id="risk">${risk}</div>` : ''}
<table><tr><th>subsection</th><th>needed</th><th>longest stretch</th></tr>
${p.subsections
  .map(
    (s) =>
      `<tr><td>${esc(s.path)}</td><td>${s.needed}/${s.steps} (${(s.fraction * 100).toFixed(1)}%)</td><td>${s.longest ? `${s.longest.end - s.longest.start} steps from ${s.longest.start}` : '—'}</td></tr>`,
  )
  .join('\n')}
</table>`
    : ''
}
</body></html>
`;
}
