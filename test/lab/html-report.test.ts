import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { MARKS, renderLabHtml, runLab } from '../../src/compat/lab/index.js';
import { trace, versions } from './fixtures/timerdev-lab.js';

/**
 * The HTML report opened in headless Chromium (Debian's `chromium` package, driven by
 * playwright-core): the heat map and the timeline must be drawn, with one cell per (source,
 * destination, machine type) and one bar per stretch of the trace. A PNG is kept for people.
 */
const CHROMIUM = process.env.VMSTATE_CHROMIUM ?? '/usr/bin/chromium';
const OUT = process.env.VMSTATE_LAB_SCREENSHOTS ?? join(tmpdir(), 'vmstate-lab');

describe('vmstate matrix HTML report in headless Chromium', () => {
  it('renders the heat map and the prevalence timeline, and is self-contained', async () => {
    // A missing browser is a failure, not a skip: the CI must install it (see docs/lab.md).
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`).toBe(true);
    const report = runLab(versions, { runs: 30, seed: 7, trace });
    const html = await renderLabHtml(report, { title: 'timerdev' });
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(?:src|href)="https?:/i);
    mkdirSync(OUT, { recursive: true });
    const file = join(OUT, 'matrix-report.html');
    writeFileSync(file, html);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const requests: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) requests.push(r.url());
      });
      await page.goto(`file://${file}`);
      const cells = page.locator(`#heatmap g.${MARKS.heatmap}_marks path`);
      const expectedCells = report.matrix.pairs.length;
      // pc-3: 4.0 and 5.0 (4 pairs); pc-2: 3.0, 4.0, 5.0 (9); pc-1: all five (25).
      expect(expectedCells).toBe(4 + 9 + 25);
      expect(await cells.count()).toBe(expectedCells);
      const bars = page.locator(`#timeline g.${MARKS.timeline}_marks path`);
      const stretches = report.prevalence?.subsections.reduce((n, s) => n + s.stretches.length, 0) ?? 0;
      expect(stretches).toBeGreaterThan(0);
      expect(await bars.count()).toBe(stretches);
      // Drawn, not just present: the heat map has a real size on the page.
      const box = await page.locator('#heatmap svg').boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(300);
      expect(box?.height ?? 0).toBeGreaterThan(100);
      // Colours come from the outcome: refused cells exist in this model, UNSAFE ones do not.
      const fills = await cells.evaluateAll((els) => els.map((e) => e.getAttribute('fill')));
      expect(fills).toContain('#f2a900');
      expect(fills).not.toContain('#c62828');
      // Long counterexample states wrap inside their column instead of widening the page.
      const pres = await page
        .locator('pre')
        .evaluateAll((els) => els.map((e) => [e.scrollWidth, e.clientWidth, (e.textContent ?? '').length]));
      expect(Math.max(...pres.map(([, , length]) => length ?? 0))).toBeGreaterThan(100);
      for (const [scrollWidth, clientWidth] of pres)
        expect(scrollWidth).toBeLessThanOrEqual(clientWidth ?? 0);
      expect(await page.locator('html').evaluate((e) => e.scrollWidth)).toBeLessThanOrEqual(1280);
      const png = await page.screenshot({ fullPage: true });
      writeFileSync(join(OUT, 'matrix-report.png'), png);
      expect(png.length).toBeGreaterThan(10_000);
      // The risk chart: one bar per destination that supports the trace's machine type.
      const risk = page.locator(`#risk g.${MARKS.risk}_marks path`);
      expect(await risk.count()).toBe(report.prevalence?.destinations.length);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
