import type { LabReport } from './lab.js';
import { type MatrixCell, worstOutcome } from './matrix.js';
import type { Outcome } from './migrate.js';
import type { PrevalenceReport } from './prevalence.js';
import { cellLabel } from './text.js';
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
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')]);
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

function heatmapSpec(report: LabReport): Spec {
  const m = report.matrix;
  const values = m.pairs.map((c: MatrixCell) => {
    const total = Object.values(c.counts).reduce((a, b) => a + b, 0);
    return {
      source: c.route[0],
      destination: c.route[1],
      machine: c.machine,
      outcome: worstOutcome(c.counts),
      label: cellLabel(c).replace('refused', 'ref.'),
      ok: c.counts.ok,
      total,
    };
  });
  const outcomes = Object.keys(OUTCOME_COLOURS);
  const x = {
    field: 'destination',
    type: 'nominal',
    scale: { domain: m.versions },
    sort: m.versions,
    title: 'destination',
  };
  const y = {
    field: 'source',
    type: 'nominal',
    scale: { domain: m.versions },
    sort: m.versions,
    title: 'source',
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: CONFIG,
    data: { values },
    facet: { column: { field: 'machine', type: 'nominal', sort: m.machines, title: 'machine type' } },
    spec: {
      width: { step: 74 },
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
              scale: { domain: outcomes, range: outcomes.map((o) => OUTCOME_COLOURS[o as Outcome]) },
              legend: { title: 'worst outcome', orient: 'bottom' },
            },
            description: { field: 'label' },
          },
        },
        {
          mark: { type: 'text', fontSize: 11, fontWeight: 'bold' },
          encoding: { x, y, text: { field: 'label' }, color: { value: 'white' } },
        },
      ],
    },
  };
}

function timelineSpec(p: PrevalenceReport): Spec {
  const rows = p.subsections.map((s) => s.path);
  const stretches = p.subsections.flatMap((s) =>
    s.stretches.map((st) => ({ subsection: s.path, start: st.start, end: st.end, steps: st.end - st.start })),
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
        title: null,
        axis: { labelLimit: 360 },
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

function cellRows(cells: readonly MatrixCell[]): string {
  const rows: string[] = [];
  for (const c of cells) {
    for (const o of ['crash', 'unsafe', 'refused'] as const) {
      const e = c.examples[o];
      if (c.counts[o] === 0) continue;
      const what = e
        ? e.outcome === 'unsafe'
          ? `sent <code>${esc(shown(e.expected))}</code>, loaded <code>${esc(shown(e.actual))}</code> (${e.stage}, hop ${e.hop + 1})`
          : `${esc(e.message)} <code>${esc(e.code)}</code> (${e.stage}, hop ${e.hop + 1})`
        : '';
      rows.push(
        `<tr><td>${esc(c.route.join(' → '))}</td><td>${esc(c.machine)}</td><td>${badge(o)} ${c.counts[o]}/${Object.values(c.counts).reduce((a, b) => a + b, 0)}</td>` +
          `<td><code>${e ? esc(pathText(e.path)) : ''}</code></td><td>${what}</td>` +
          `<td><pre>${e ? esc(compactJson(e.state)) : ''}</pre></td></tr>`,
      );
    }
  }
  return rows.join('\n');
}

const HEAD = ['route', 'machine', 'outcome', 'member', 'what happened', 'shrunk source state'];

/**
 * The self-contained HTML report: a heat map of source × destination per machine type coloured by
 * the worst outcome, the counterexamples, `needed()` honesty, and (with a trace) each subsection's
 * prevalence timeline and the failure rate per destination. Charts are Vega-Lite rendered to
 * inline SVG in Node: the file needs no script and no network.
 */
export async function renderLabHtml(report: LabReport, options: { title?: string } = {}): Promise<string> {
  const m = report.matrix;
  const title = options.title ?? 'vmstate migration matrix';
  const heatmap = await toSvg(heatmapSpec(report));
  const p = report.prevalence;
  const timeline = p ? await toSvg(timelineSpec(p)) : '';
  const risk = p && p.destinations.length > 0 ? await toSvg(riskSpec(p)) : '';
  const bad = (cells: readonly MatrixCell[]) => cells.filter((c) => worstOutcome(c.counts) !== 'ok');
  const seriousChains = m.chains.filter((c) => c.counts.unsafe > 0 || c.counts.crash > 0);
  const honesty = report.honesty
    .map(
      (h) =>
        `<tr><td>${esc(`${h.description} › ${h.subsection.join(' › ')}`)}</td><td>${esc(h.machine)}</td><td>${esc(h.versions.join(', '))}</td>` +
        `<td>${h.dishonest === 0 ? badge('ok') : badge('unsafe')} ${h.dishonest}/${h.notNeeded} not-needed states</td>` +
        `<td>${h.example ? `<code>${esc(pathText(h.example.path))}</code>: sender ${esc(shown(h.example.sent))}, receiver ${esc(shown(h.example.reconstructed))}<pre>${esc(compactJson(h.example.state))}</pre>` : ''}</td></tr>`,
    )
    .join('\n');
  const t = m.totals;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:${FONT};margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;padding:4px 8px;vertical-align:top;text-align:left}
pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;max-width:420px;max-height:16em;overflow-y:auto;font-size:12px}
code{font-size:12px;overflow-wrap:break-word}
.badge{color:#fff;padding:1px 6px;border-radius:3px;font-size:12px;font-weight:bold}
.summary span{margin-right:14px}.chart{overflow-x:auto}
</style></head><body>
<h1>${esc(title)}</h1>
<p class="summary">${m.versions.length} versions × ${m.machines.length} machine types · ${m.runs} generated states per cell · seed ${m.seed}</p>
<p class="summary"><span>${badge('ok')} ${t.ok}</span><span>${badge('refused')} ${t.refused}</span><span>${badge('unsafe')} ${t.unsafe}</span><span>${badge('crash')} ${t.crash}</span> migrations (pairs and chains)</p>
<h2>Source × destination</h2>
<div class="chart" id="heatmap">${heatmap}</div>
<h2>Counterexamples (pairs)</h2>
<table><tr>${HEAD.map((h) => `<th>${h}</th>`).join('')}</tr>
${cellRows(bad(m.pairs)) || '<tr><td colspan="6">every pair migrated every state</td></tr>'}
</table>
<h2>Chains (A→B→A, A→B→C)</h2>
<p>${m.chains.length} chains; ${bad(m.chains).length} with a non-ok outcome, ${seriousChains.length} UNSAFE or crashing.</p>
${seriousChains.length > 0 ? `<table><tr>${HEAD.map((h) => `<th>${h}</th>`).join('')}</tr>${cellRows(seriousChains)}</table>` : ''}
<h2>needed() honesty</h2>
<table><tr><th>subsection</th><th>machine</th><th>versions</th><th>dishonest</th><th>counterexample</th></tr>
${honesty || '<tr><td colspan="5">no subsection with needed()</td></tr>'}
</table>
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
