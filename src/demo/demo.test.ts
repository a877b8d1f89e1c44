import { describe, expect, it } from 'vitest';
import { type CellReport, type DemoReport, renderDemoHtml, runDemo } from './demo.js';
import { formatDemoText } from './format.js';
import { addTally, emptyTally, type Tally } from './outcomes.js';

const RESET = 'chip held in reset';
const options = { seed: 3, steps: 60, rare: 8, sectors: 80 } as const;
const { report } = runDemo(options);

function sum(r: DemoReport, f: (c: CellReport) => boolean): Tally {
  const t = emptyTally();
  for (const c of r.cells.filter(f)) addTally(t, c);
  return t;
}
const backward = (r: DemoReport, from: string, sample?: string) =>
  sum(r, (c) => c.source === from && c.destination === 'v1' && (sample === undefined || c.sample === sample));

describe('the demo’s claims (seed 3, small workloads)', () => {
  it('(a) every failure is a refusal (unknown subsection) and no migration that loads changes behaviour', () => {
    const a = sum(report, (c) => ['v1', 'v2a'].includes(c.source) && ['v1', 'v2a'].includes(c.destination));
    expect(a.attempts).toBeGreaterThan(500);
    expect(a.changed).toBe(0);
    expect(a.refused).toBeGreaterThan(0);
    expect(Object.keys(a.refusedBy)).toEqual(['unknown-subsection']);
    const refusing = report.cells.filter((c) => c.refused > 0);
    expect(new Set(refusing.map((c) => `${c.source}→${c.destination}@${c.machine}`))).toEqual(
      new Set(['v2a→v1@pc-2.3', 'v2c→v1@pc-2.3']),
    );
  });

  it('(a) does not succeed exactly when safe: it also refuses states in which the loss would be harmless', () => {
    const a = backward(report, 'v2a');
    expect(a.needless).toBeGreaterThan(0);
    let needed = 0;
    let needless = 0;
    for (const [state, counts] of Object.entries(a.byState)) {
      expect(counts.needless, state).toBeLessThanOrEqual(counts.refused);
      // Held in reset, nothing of the phase survives the reset that follows: always harmless.
      if (state.includes(RESET)) expect(counts.needless, state).toBe(counts.refused);
      else {
        needed += counts.refused - counts.needless;
        needless += counts.needless;
      }
    }
    // In the other non-prevalent states the refusal almost always protected the guest (the
    // exceptions: the impatient driver resets the chip before the lost phase matters).
    expect(needless).toBeLessThan(needed / 10);
  });

  it('(b) backward migration on the old machine type never fails — and silently changes behaviour', () => {
    const b = backward(report, 'v2b');
    const a = backward(report, 'v2a');
    expect(b.refused).toBe(0);
    expect(backward(report, 'v2b', 'rare').changed).toBeGreaterThan(0);
    // The points are shared by all policies: each (a) refusal that mattered is a (b) change.
    for (const [state, counts] of Object.entries(b.byState)) {
      const refused = a.byState[state] ?? { refused: 0, needless: 0 };
      expect(counts.changed, state).toBe(refused.refused - refused.needless);
      if (!state.includes('inferred') || state.includes(RESET)) expect(counts.changed, state).toBe(0);
    }
    expect(b.changed).toBe(a.refused - a.needless);
    expect(Object.values(b.symptoms).some((n) => n > 0)).toBe(true);
  });

  it('(b) loses the phase even between two v2b hosts on pc-2.3; never on pc-2.4', () => {
    expect(
      sum(report, (c) => c.source === 'v2b' && c.destination === 'v2b' && c.machine === 'pc-2.3').changed,
    ).toBe(backward(report, 'v2b').changed);
    const onNew = sum(report, (c) => c.machine === 'pc-2.4');
    expect(onNew.attempts).toBeGreaterThan(0);
    expect(onNew.changed + onNew.refused).toBe(0);
  });

  it('(c) on the old machine type is (a): the same refusals, no change', () => {
    const a = backward(report, 'v2a');
    const c = backward(report, 'v2c');
    expect(c.changed).toBe(0);
    expect(c.refused).toBe(a.refused);
    expect(c.needless).toBe(a.needless);
  });

  it('unmigrated and forward-migrated runs give identical disk images (and behaviour)', () => {
    const forward = sum(report, (c) => c.source === 'v1' && c.destination !== 'v1');
    expect(forward.attempts).toBeGreaterThan(100);
    expect(forward.changed).toBe(0);
    expect(forward.symptoms['corrupted-disk']).toBe(0);
    for (const p of report.profiles) {
      expect(p.runtimesAgree, p.profile).toBe(true);
      expect(p.v1AlwaysPrevalent, p.profile).toBe(true);
    }
  });

  it('reports how often the phase subsection is needed, per profile, and it depends on the guest', () => {
    const byProfile = Object.fromEntries(report.profiles.map((p) => [p.profile, p]));
    for (const p of report.profiles) {
      expect(p.notPrevalent.steps).toBeGreaterThan(0);
      expect(p.phaseSent.v2a?.['pc-2.3']).toBeCloseTo(p.notPrevalent.fraction, 10);
      expect(p.phaseSent.v2b).toEqual({ 'pc-2.4': 1, 'pc-2.3': 0 });
      expect(p.phaseSent.v2c?.['pc-2.4']).toBe(1);
      expect(p.notPrevalent.byStretch.idle.notPrevalent).toBe(0);
    }
    // Polling PIO spends its steps moving data: the phase is needed far more rarely.
    expect(byProfile.pio?.notPrevalent.fraction).toBeLessThan(
      (byProfile.irq?.notPrevalent.fraction ?? 0) / 5,
    );
    // Every claim holds, the expected finding about (a) included (stated as what is expected).
    expect(report.checks.filter((c) => !c.holds).map((c) => c.claim)).toEqual([]);
    expect(report.checks.map((c) => c.claim)).toContain(
      '(a) is conservative: some backward refusals v2a → v1 protect nothing (the loss would be harmless)',
    );
  });

  it('answers first: per policy, backward success, refusal and silent-change rates with intervals', () => {
    const by = Object.fromEntries(report.verdicts.map((v) => [v.policy, v]));
    const random = backward(report, 'v2b', 'random');
    expect(by.b?.silentChange).toMatchObject({ count: random.changed, of: random.attempts });
    expect(by.b?.refused.count).toBe(0);
    expect(by.a?.silentChange.count).toBe(0);
    expect(by.a?.refused.count).toBe(backward(report, 'v2a', 'random').refused);
    for (const v of report.verdicts) {
      expect(v.success.count + v.refused.count + v.silentChange.count).toBe(v.success.of);
      expect(v.silentChange.ci95[0]).toBeLessThanOrEqual(v.silentChange.rate);
      expect(v.silentChange.ci95[1]).toBeGreaterThanOrEqual(v.silentChange.rate);
    }
    const text = formatDemoText(report);
    expect(text.indexOf('The answer')).toBeLessThan(text.indexOf('Workloads'));
    expect(text).toContain('(a) v2a: fails safe');
    expect(text).toMatch(/\(b\) v2b: never refuses, and is silently wrong/);
  });

  it('is reproducible from its seed, and the text report names every policy and check', () => {
    const again = runDemo(options).report;
    expect({ ...again, elapsedMs: 0 }).toEqual({ ...report, elapsedMs: 0 });
    const text = formatDemoText(report);
    for (const s of ['Policy (a) v2a', 'Policy (b) v2b', 'Policy (c) v2c', 'Checks', 'chip held in reset']) {
      expect(text).toContain(s);
    }
    // Per policy and profile: the states in which backward migration failed, and what the guest saw.
    const b = text.slice(text.indexOf('Policy (b) v2b'), text.indexOf('Policy (c) v2c'));
    for (const profile of ['pio', 'irq', 'impatient']) {
      expect(b).toMatch(
        new RegExp(`\\n {6}${profile} +changed in [A-Z]+ MSR [0-9a-f]{2} ×\\d+.*; the guest saw [a-z]`),
      );
    }
    const a = text.slice(text.indexOf('Policy (a) v2a'), text.indexOf('Policy (b) v2b'));
    expect(a).toMatch(/\n {6}irq +refused in [A-Z]+ MSR [0-9a-f]{2} ×\d+.*; the guest saw —/);
  });

  it('gives the same counts without the convergence shortcut (every run to its end)', () => {
    const small = { seed: 4, steps: 12, rare: 3, sectors: 40, profiles: ['irq', 'impatient'] } as const;
    const fast = runDemo(small).report;
    const full = runDemo({ ...small, full: true }).report;
    const counts = (r: DemoReport) =>
      r.cells.map((c) => [
        c.profile,
        c.sample,
        c.source,
        c.destination,
        c.machine,
        c.refused,
        c.changed,
        c.symptoms,
      ]);
    expect(counts(full)).toEqual(counts(fast));
  });

  it('writes the lab’s HTML report with the measured tables', async () => {
    const result = runDemo({
      seed: 2,
      steps: 5,
      rare: 1,
      sectors: 30,
      profiles: ['irq'],
      lab: { runs: 4, traceSteps: 150 },
    });
    expect(result.lab?.matrix.versions).toEqual(['v1', 'v2a', 'v2b', 'v2c']);
    expect(result.lab?.prevalence?.steps).toBe(150);
    const html = await renderDemoHtml(result);
    expect(html).toContain('<svg');
    expect(html).toContain('<section id="demo">');
    expect(html).toContain('fdc/phase');
  }, 60_000);
});
