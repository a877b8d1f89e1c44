/**
 * The lab's HTML report: one self-contained page (no script, no network) with a heat map of every
 * cell — rows: version pair × machine type × device set; columns: workload (and when) — coloured
 * by agreement, then the tables. Cells carry `data-cell` and `data-outcome` so tests and people
 * can find them.
 */
import { GUESTS } from '../guests/catalog.js';
import { type CellOutcome, OUTCOME_COLOURS, OUTCOME_MEANING, outcomeOf } from './outcome.js';
import { disagreements, flaggedByCheck, type LabQemuReport, summarize } from './report.js';
import type { CellResult } from './result.js';

const esc = (s: string): string =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const rowKey = (c: CellResult): string =>
  `${c.cell.from} → ${c.cell.to}  ${c.cell.machine}  ${c.cell.devices}`;
const colKey = (c: CellResult): string =>
  c.cell.when === 'settled' ? c.cell.workload : `${c.cell.workload} @${c.cell.when}`;

function tooltip(c: CellResult): string {
  const lines = [c.cell.id];
  if (c.qemu) lines.push(`QEMU: ${c.qemu.verdict}${c.qemu.error ? ` — ${c.qemu.error}` : ''}`);
  if (c.vmstate) {
    lines.push(`vmstate: ${c.vmstate.verdict}`);
    for (const r of c.vmstate.reasons.slice(0, 4)) lines.push(`  ${r}`);
  }
  if (c.error) lines.push(c.error);
  if (c.convert) {
    lines.push(
      `convert: ${c.convert.converted ? 'converted' : c.convert.lossAllowed ? 'converted with losses allowed' : 'refused'}${c.convert.loaded ? `, QEMU ${c.convert.loaded}` : ''}`,
    );
  }
  if (c.roundTrip && c.roundTrip.changes.length > 0) {
    lines.push(`silent changes: ${c.roundTrip.changes.length}`);
    for (const s of c.roundTrip.changes.slice(0, 4)) lines.push(`  ${s.path}: ${s.sent} → ${s.resaved}`);
  }
  return lines.join('\n');
}

const LABEL_W = 330;
const HEAD_H = 120;
const CELL_H = 18;

function heatmap(cells: readonly CellResult[], width: number): string {
  const rows = [...new Set(cells.map(rowKey))];
  // Columns in the catalog's order (a merged report is sorted by cell id), settled before live.
  const order = (c: CellResult): number => {
    const i = GUESTS.findIndex((g) => g.name === c.cell.workload);
    return (i < 0 ? GUESTS.length : i) * 2 + (c.cell.when === 'settled' ? 0 : 1);
  };
  const cols = [...new Set([...cells].sort((a, b) => order(a) - order(b)).map(colKey))];
  // The page's margins (32) and room on the right for the last column's slanted label (70).
  const cellW = Math.max(
    14,
    Math.min(70, Math.floor((width - 32 - LABEL_W - 70) / Math.max(1, cols.length))),
  );
  const w = LABEL_W + cols.length * cellW + 70;
  const h = HEAD_H + rows.length * CELL_H + 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="lab heat map">`,
  ];
  cols.forEach((c, i) => {
    const x = LABEL_W + i * cellW + cellW / 2;
    parts.push(
      `<text class="col" x="${x}" y="${HEAD_H - 6}" transform="rotate(-50 ${x} ${HEAD_H - 6})">${esc(c)}</text>`,
    );
  });
  rows.forEach((r, j) => {
    parts.push(
      `<text class="row" x="${LABEL_W - 8}" y="${HEAD_H + j * CELL_H + CELL_H - 5}">${esc(r)}</text>`,
    );
  });
  const rowIndex = new Map(rows.map((r, i) => [r, i]));
  const colIndex = new Map(cols.map((c, i) => [c, i]));
  for (const c of cells) {
    const x = LABEL_W + (colIndex.get(colKey(c)) ?? 0) * cellW;
    const y = HEAD_H + (rowIndex.get(rowKey(c)) ?? 0) * CELL_H;
    const o = outcomeOf(c);
    parts.push(
      `<g class="cell" data-cell="${esc(c.cell.id)}" data-outcome="${o}"><rect x="${x + 1}" y="${y + 1}" width="${cellW - 2}" height="${CELL_H - 2}" fill="${OUTCOME_COLOURS[o]}"><title>${esc(tooltip(c))}</title></rect>`,
    );
    if (o === 'disagree') {
      parts.push(`<text class="mark" x="${x + cellW / 2}" y="${y + CELL_H - 5}">≠</text>`);
    } else if ((c.roundTrip?.changes.length ?? 0) > 0) {
      parts.push(`<circle class="silent" cx="${x + cellW / 2}" cy="${y + CELL_H / 2}" r="3.5" fill="#fff"/>`);
    }
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('');
}

function htmlTable(head: readonly string[], rows: readonly (readonly string[])[], cls: string): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('');
  return `<table class="${cls}"><thead><tr>${th}</tr></thead><tbody>${trs}</tbody></table>`;
}

export interface LabHtmlOptions {
  readonly title?: string;
  /** Page width the heat map is laid out for (default 1400). */
  readonly width?: number;
}

export function renderLabQemuHtml(report: LabQemuReport, options: LabHtmlOptions = {}): string {
  const width = options.width ?? 1400;
  const s = summarize(report.cells);
  const pairs = new Map<string, CellResult[]>();
  for (const c of report.cells) {
    const k = `${c.cell.from} → ${c.cell.to}`;
    pairs.set(k, [...(pairs.get(k) ?? []), c]);
  }
  const pairRows = [...pairs, ['all', report.cells] as const].map(([k, cs]) => {
    const p = summarize(cs);
    return [
      k,
      String(p.cells),
      String(p.loads),
      String(p.refused),
      `${p.agree}/${p.verdicts}`,
      String(p.errors),
    ];
  });
  const bad = disagreements(report.cells).map((c) => [
    c.cell.id,
    c.qemu?.verdict ?? '',
    c.vmstate?.verdict ?? 'failed',
    c.qemu?.error ?? '',
    (c.vmstate?.reasons ?? []).slice(0, 2).join(' | ') || (c.error ?? ''),
  ]);
  const silent = report.cells.flatMap((c) =>
    (c.roundTrip?.changes ?? []).map((ch) => [
      c.cell.id,
      ch.destinationPath === undefined ? ch.path : `${ch.path} → ${ch.destinationPath}`,
      ch.sent,
      ch.resaved,
      flaggedByCheck(ch, c) ? 'yes' : 'no',
    ]),
  );
  const legend = (Object.keys(OUTCOME_COLOURS) as CellOutcome[])
    .map(
      (o) =>
        `<span class="key" data-outcome="${o}"><i style="background:${OUTCOME_COLOURS[o]}"></i>${esc(OUTCOME_MEANING[o])}</span>`,
    )
    .join('');
  const title = options.title ?? 'vmstate lab qemu';
  const versions = Object.entries(report.versions)
    .map(([v, e]) => `${v} (${e})`)
    .join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:16px;color:#222;max-width:${width - 32}px}
h1{font-size:20px;margin:0 0 6px} h2{font-size:15px;margin:18px 0 6px}
.numbers{font-size:14px;margin:4px 0 10px} .numbers b{font-size:18px}
svg text{font-size:11px;fill:#333} svg text.row{text-anchor:end} svg text.col{text-anchor:start}
svg text.mark{fill:#fff;font-weight:bold;text-anchor:middle;font-size:12px}
.legend{font-size:12px;margin:6px 0} .key{margin-right:16px;white-space:nowrap}
.key i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}
table{border-collapse:collapse;font-size:12px;margin-bottom:8px;table-layout:fixed;max-width:100%}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
</style></head><body>
<h1>${esc(title)}</h1>
<div class="numbers" id="numbers"><b>${s.cells}</b> cells over QEMU ${esc(versions)} · <b>${s.refused}</b> real refusals · agreement <b>${s.agree}/${s.verdicts}</b> · convert loaded <b>${s.convertedLoaded}/${s.converted}</b> · silent-change cells <b>${s.silentChangeCells}</b> · ${(report.durationMs / 1000).toFixed(0)} s</div>
<div class="legend">${legend}<span class="key">◦ white dot: silent change found by the round trip</span></div>
<div id="heatmap">${heatmap(report.cells, width)}</div>
<h2>By version pair</h2>
${htmlTable(['pair', 'cells', 'loads', 'refused', 'agree', 'errors'], pairRows, 'pairs')}
<h2>Disagreements (${bad.length})</h2>
${bad.length === 0 ? '<p>none: vmstate’s verdict equals QEMU’s on every cell.</p>' : htmlTable(['cell', 'QEMU', 'vmstate', 'QEMU says', 'vmstate says'], bad, 'disagreements')}
<h2>Silent changes (${silent.length})</h2>
${silent.length === 0 ? '<p>none found.</p>' : htmlTable(['cell', 'field', 'sent', 're-saved', 'flagged by check'], silent, 'silent')}
</body></html>
`;
}
