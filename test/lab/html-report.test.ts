import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARKS, OUTCOME_COLOURS, pairVerdict, renderLabHtml, runLab } from '../../src/compat/lab/index.js';
import { renderDemoHtml, runDemo } from '../../src/demo/demo.js';
import { versions as fdcVersions } from '../../src/demo/versions.js';
import { trace, versions } from './fixtures/timerdev-lab.js';

/**
 * The HTML reports opened in headless Chromium (Debian's `chromium` package, driven by
 * playwright-core) at 1400×1000: what the first screen shows, not only that the page renders.
 * PNGs are kept for people in $VMSTATE_LAB_SCREENSHOTS.
 */
const CHROMIUM = process.env.VMSTATE_CHROMIUM ?? '/usr/bin/chromium';
const OUT = process.env.VMSTATE_LAB_SCREENSHOTS ?? join(tmpdir(), 'vmstate-lab');
const VIEWPORT = { width: 1400, height: 1000 };

let browser: Browser;
beforeAll(async () => {
  // A missing browser is a failure, not a skip: the CI must install it (see docs/lab.md).
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`).toBe(true);
  browser = await chromium.launch({
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
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

/** Opens a page from a file, failing on any request that leaves the file. */
async function open(name: string, html: string): Promise<{ page: Page; requests: string[] }> {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/(?:src|href)="https?:/i);
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.html`);
  writeFileSync(file, html);
  const page = await browser.newPage({ viewport: VIEWPORT });
  const requests: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) requests.push(r.url());
  });
  await page.goto(`file://${file}`);
  writeFileSync(join(OUT, `${name}.png`), await page.screenshot());
  return { page, requests };
}

/** Whether an element lies entirely within the first screen. */
async function onFirstScreen(page: Page, selector: string): Promise<boolean> {
  const box = await page.locator(selector).first().boundingBox();
  return box !== null && box.y >= 0 && box.y + box.height <= VIEWPORT.height && box.width > 0;
}

describe('the matrix report in headless Chromium', () => {
  it('draws one heat-map cell per (source, destination, machine type), timelines, risk bars; no network', async () => {
    const report = runLab(versions, { runs: 30, seed: 7, trace });
    const { page, requests } = await open(
      'matrix-report',
      await renderLabHtml(report, { title: 'timerdev' }),
    );
    // 5 versions × 5 × 3 machine types, whether or not both run there (those are labelled).
    const cells = page.locator(`#heatmap g.${MARKS.heatmap}_marks path`);
    expect(await cells.count()).toBe(75);
    const labels = await page.locator('#heatmap text').allTextContents();
    // pc-3 runs 4.0 and 5.0 only: the 1.0–3.0 rows and columns say why they are empty.
    expect(labels.filter((t) => t.startsWith('no ') || t === '—').length).toBe(75 - (4 + 9 + 25));
    expect(labels).toContain('no 1.0');
    // Every machine type's map is on the first screen, whole.
    const box = await page.locator('#heatmap svg').boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? Infinity)).toBeLessThanOrEqual(VIEWPORT.width);
    expect((box?.y ?? 0) + (box?.height ?? Infinity)).toBeLessThanOrEqual(VIEWPORT.height);
    // One bar per stretch in which a subsection is needed, counted from the trace itself.
    const states = trace.steps.map((s) => s.state.timerdev as Record<string, unknown>);
    const runsOf = (on: (s: Record<string, unknown>) => boolean) =>
      states.filter((s, i) => on(s) && !(i > 0 && on(states[i - 1] as Record<string, unknown>))).length;
    const expected =
      runsOf((s) => s.irq_level !== 0) +
      runsOf((s) => (s.fifo_len as number) > 0) +
      runsOf((s) => s.latch !== 0);
    expect(expected).toBeGreaterThan(3);
    expect(await page.locator(`#timeline g.${MARKS.timeline}_marks path`).count()).toBe(expected);
    // Timeline rows are distinct and uncut.
    const rows = await page.locator('#timeline .role-axis-label text').allTextContents();
    expect(new Set(rows).size).toBe(rows.length);
    // Refused cells exist in this correct model, UNSAFE ones do not.
    const fills = await cells.evaluateAll((els) => els.map((e) => e.getAttribute('fill')));
    expect(fills).toContain(OUTCOME_COLOURS.refused);
    expect(fills).not.toContain(OUTCOME_COLOURS.unsafe);
    expect(await page.locator('#answer').textContent()).toContain('No migration changed state silently');
    // The trace runs on 4.0 under pc-2, where 3.0 and 5.0 also run.
    expect(await page.locator(`#risk g.${MARKS.risk}_marks path`).count()).toBe(2);
    expect(await page.locator('html').evaluate((e) => e.scrollWidth)).toBeLessThanOrEqual(VIEWPORT.width);
    expect(requests).toEqual([]);
    await page.close();
  }, 120_000);

  it('the floppy releases (default seed and budget): the first screen names and colours every UNSAFE', async () => {
    const report = runLab(fdcVersions);
    const { page } = await open('fdc-matrix', await renderLabHtml(report, { title: 'fdc' }));
    const unsafePairs = report.matrix.pairs.filter((c) => pairVerdict(report, c).outcome === 'unsafe');
    // v2b → v2b on pc-2.3 loses the phase in one hop; so do v2b → v2a and v2b → v2c.
    expect(unsafePairs.map((c) => `${c.route.join('>')}@${c.machine}`)).toEqual(
      expect.arrayContaining(['v2b>v2a@pc-2.3', 'v2b>v2b@pc-2.3', 'v2b>v2c@pc-2.3']),
    );
    expect(await onFirstScreen(page, '#answer')).toBe(true);
    expect(await onFirstScreen(page, '#heatmap svg')).toBe(true);
    const answer = (await page.locator('#answer').textContent()) ?? '';
    for (const c of report.matrix.pairs.filter((x) => x.counts.unsafe > 0))
      expect(answer).toContain(`${c.route.join(' → ')} on ${c.machine}`);
    expect(answer).toMatch(/needed\(\) of fdc\/phase on pc-2\.3 \([^)]*v2b/);
    expect(answer).toContain('fdc.state.phase sender');
    // Every pair whose verdict is UNSAFE (its own, a chain's, or needed()'s) is a red cell.
    const red = await page
      .locator(`#heatmap g.${MARKS.heatmap}_marks path`)
      .evaluateAll(
        (els, colour) => els.filter((e) => e.getAttribute('fill') === colour).length,
        OUTCOME_COLOURS.unsafe,
      );
    expect(red).toBe(unsafePairs.length);
    // Counterexamples lead with the differing member, sender vs receiver.
    const diff = page.locator('table.diff').first();
    expect(await diff.locator('td').first().textContent()).toBe('fdc.state.phase');
    await page.close();
  }, 240_000);
});

describe('the demo report in headless Chromium', () => {
  it('opens with the answer: per policy, backward success and silent-change rates, bars and states', async () => {
    const result = runDemo({ seed: 2, steps: 40, rare: 6, sectors: 40, lab: { runs: 8, traceSteps: 300 } });
    const { page } = await open('demo-report', await renderDemoHtml(result));
    expect(await onFirstScreen(page, '#verdict h2')).toBe(true);
    expect(await onFirstScreen(page, '#verdict table')).toBe(true);
    expect(await onFirstScreen(page, '#verdict table.grid')).toBe(true);
    const rows = page.locator('#verdict tr[data-policy]');
    expect(await rows.count()).toBe(3);
    for (const v of result.report.verdicts) {
      const row = page.locator(`#verdict tr[data-policy="${v.policy}"]`);
      const text = (await row.textContent()) ?? '';
      expect(text).toContain(`(${v.policy}) ${v.release}`);
      expect(text).toContain(`${(v.silentChange.rate * 100).toFixed(1)}%`);
      expect(text).toContain(`${(v.success.rate * 100).toFixed(1)}%`);
    }
    // (b) is the one that changes state silently: its red bar has a width, the others' do not.
    const width = (policy: string) =>
      page
        .locator(`#verdict .bar[data-policy="${policy}"] .seg.changed`)
        .evaluate((e) => e.getBoundingClientRect().width);
    expect(await width('b')).toBeGreaterThan(0);
    expect(await width('a')).toBe(0);
    expect(await width('c')).toBe(0);
    const answer = (await page.locator('#verdict .answer').textContent()) ?? '';
    expect(answer).toContain('(a) v2a: fails safe');
    expect(answer).toContain('(b) v2b: never refuses');
    // The expected finding about (a) reads as expected, not as a failure.
    const checks = (await page.locator('#demo').textContent()) ?? '';
    expect(checks).toContain('(a) is conservative');
    expect(checks).not.toContain('does not hold');
    await page.close();
  }, 240_000);
});
