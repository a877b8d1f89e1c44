import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CellResult,
  disagreements,
  flaggedByCheck,
  type LabQemuReport,
  mergeReports,
  OUTCOME_COLOURS,
  outcomeOf,
  PRESETS,
  QEMU_VERSIONS,
  renderLabQemuHtml,
  requireQemu,
  runQemuLab,
  shardCells,
} from '../../src/qemu/index.js';

/**
 * The bounded lab (preset `ci`): real saves with one QEMU, real loads with another, for every
 * ordered pair of 5.2, 7.2 and 10.0, including the LTIM cells. Any cell where vmstate's verdict
 * is not QEMU's fails here. The full lab is `npm run lab:qemu`.
 */
const CHROMIUM = process.env.VMSTATE_CHROMIUM ?? '/usr/bin/chromium';
const OUT = process.env.VMSTATE_LAB_SCREENSHOTS ?? join(tmpdir(), 'vmstate-lab');

const describeCell = (c: CellResult): string =>
  `${c.cell.id}: QEMU ${c.qemu?.verdict ?? 'did not run'}${c.qemu?.error ? ` (${c.qemu.error})` : ''}, vmstate ${
    c.vmstate?.verdict ?? 'failed'
  }${c.vmstate?.reasons.length ? ` (${c.vmstate.reasons.slice(0, 2).join(' | ')})` : ''}${c.error ? ` — ${c.error}` : ''}`;

describe('the bounded real-QEMU lab (5.2, 7.2, 10.0)', () => {
  let report: LabQemuReport;
  const find = (id: string): CellResult | undefined => report.cells.find((c) => c.cell.id === id);

  beforeAll(async () => {
    for (const v of QEMU_VERSIONS) requireQemu(v); // fails loudly, naming scripts/qemu-versions.sh
    report = await runQemuLab({ ...PRESETS.ci });
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, 'lab-qemu-ci.json'), JSON.stringify(report, null, 2));
  }, 600_000);

  it('runs every ordered pair, every cell to a QEMU verdict', () => {
    const pairs = new Set(report.cells.map((c) => `${c.cell.from}>${c.cell.to}`));
    expect(pairs.size).toBe(6);
    expect(report.cells.length).toBeGreaterThanOrEqual(48);
    expect(report.cells.filter((c) => c.qemu === undefined).map(describeCell)).toEqual([]);
  });

  it('reproduces the LTIM refusal (10.0 → 7.2 / 5.2) and the prevalent guest loading', () => {
    for (const [to, machine] of [
      ['7.2', 'pc-i440fx-7.2'],
      ['5.2', 'pc-i440fx-5.2'],
    ]) {
      const ltim = find(`10.0>${to} ${machine} base ltim settled`);
      expect(ltim?.qemu?.verdict).toBe('refused');
      expect(ltim?.qemu?.error).toContain("error while loading state for instance 0x0 of device 'i8259'");
      expect(find(`10.0>${to} ${machine} base prevalent settled`)?.qemu?.verdict).toBe('loads');
      expect(find(`${to}>10.0 ${machine} base ltim settled`)?.qemu?.verdict).toBe('loads');
    }
  });

  it("vmstate check's verdict equals QEMU's on every cell", () => {
    expect(disagreements(report.cells).map(describeCell)).toEqual([]);
  });

  it('every stream convert writes for the destination is loaded by it', () => {
    const notLoaded = report.cells
      .filter((c) => c.convert?.loaded === 'refused')
      .map((c) => `${c.cell.id}: QEMU refuses the converted stream: ${c.convert?.error ?? ''}`);
    expect(notLoaded).toEqual([]);
  });

  it('every cell where the round trip finds a silent change is flagged by vmstate check', () => {
    const silent = report.cells.filter((c) => (c.roundTrip?.changes.length ?? 0) > 0);
    const unflagged = silent.flatMap((c) =>
      (c.roundTrip?.changes ?? [])
        .filter((s) => !flaggedByCheck(s, c))
        .map((s) => `${c.cell.id}: ${s.path} ${s.sent}→${s.resaved}`),
    );
    expect(unflagged).toEqual([]);
    // A busy am53c974 (LUN 1 selected) from 10.0 loads into 7.2, which reads 10.0's `lun` as its
    // `ti_cmd` and 10.0's `drq_state` as its `lun`: the guest's LUN silently becomes 0 (issue 17).
    const esp = find('10.0>7.2 pc-i440fx-7.2 base esp-busy settled');
    expect(esp?.qemu?.verdict).toBe('loads');
    const changes = esp?.roundTrip?.changes.map((c) => [c.path, c.sent, c.resaved]);
    expect(changes).toContainEqual(['0000:00:05.0/pciespscsi › esp › lun', '0x01', '0x00']);
    expect(changes).toContainEqual(['0000:00:05.0/pciespscsi › esp.mig_version_id', '0x07', '0x06']);
  });

  it('shard reports merge into the whole run', () => {
    const parts = [1, 2, 3].map((index) => {
      const ids = new Set(
        shardCells(
          report.cells.map((c) => c.cell),
          { index, count: 3 },
        ).map((c) => c.id),
      );
      return { ...report, shards: [`${index}/3`], cells: report.cells.filter((c) => ids.has(c.cell.id)) };
    });
    const merged = mergeReports(parts);
    const ids = (cs: readonly CellResult[]): string[] => cs.map((c) => c.cell.id).sort();
    expect(ids(merged.cells)).toEqual(ids(report.cells));
    for (const c of merged.cells) expect(c).toEqual(find(c.cell.id));
  });

  it('draws the heat map in Chromium (1400×1000): one coloured cell per lab cell', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`).toBe(true);
    const html = renderLabQemuHtml(report, { title: 'vmstate lab qemu (ci)' });
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(?:src|href)="https?:/i);
    const file = join(OUT, 'lab-qemu-ci.html');
    writeFileSync(file, html);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const requests: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(`file://${file}`);
      const cells = page.locator('#heatmap g.cell rect');
      expect(await cells.count()).toBe(report.cells.length);
      const fills = await cells.evaluateAll((els) => els.map((e) => e.getAttribute('fill')));
      const expected = report.cells.map((c) => OUTCOME_COLOURS[outcomeOf(c)]);
      expect(fills.sort()).toEqual(expected.sort());
      expect(fills).toContain(OUTCOME_COLOURS.refused); // the LTIM cells at least
      // Drawn and on screen: the heat map is wide and every cell lies inside the 1400 px page.
      const box = await page.locator('#heatmap svg').boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(600);
      expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(1400);
      const ltim = page.locator('g.cell[data-cell="10.0>7.2 pc-i440fx-7.2 base ltim settled"] rect');
      expect(await ltim.getAttribute('fill')).not.toBe(OUTCOME_COLOURS.loads);
      expect(await ltim.isVisible()).toBe(true);
      await expect(page.locator('#numbers').textContent()).resolves.toContain(`${report.cells.length} cells`);
      expect(await page.locator('html').evaluate((e) => e.scrollWidth)).toBeLessThanOrEqual(1400);
      const png = await page.screenshot({ fullPage: false });
      writeFileSync(join(OUT, 'lab-qemu-ci.png'), png);
      expect(png.length).toBeGreaterThan(10_000);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
