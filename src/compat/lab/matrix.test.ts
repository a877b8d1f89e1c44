import { describe, expect, it } from 'vitest';
import { chainLoss, defaultMismatch, dishonest, movedField } from '../../../test/lab/fixtures/buggy.js';
import { timerdev } from '../../../test/lab/fixtures/timerdev.js';
import { type MatrixCell, type MatrixReport, runMatrix } from './matrix.js';

function cell(report: MatrixReport, route: string, machine?: string): MatrixCell {
  const found = [...report.pairs, ...report.chains].find(
    (c) => c.route.join('→') === route && (machine === undefined || c.machine === machine),
  );
  if (!found) throw new Error(`no cell ${route}`);
  return found;
}

describe('migration matrix', () => {
  it('finds a field moved without a version bump, with a shrunk counterexample and the member', () => {
    const report = runMatrix(movedField, { runs: 100 });
    const c = cell(report, '1.0→1.1');
    expect(c.counts.unsafe).toBeGreaterThan(90);
    expect(c.examples.unsafe).toMatchObject({
      path: ['dev', 'ctrl'],
      stage: 'compare',
      // Shrunk: the two swapped bytes differ by the least possible, everything else at reset.
      state: { dev: { ctrl: 0, status: 1, count: 0 } },
      expected: 0,
      actual: 1,
    });
    expect(c.examples.unsafe?.shrinks).toBeGreaterThan(0);
    // Each version to itself is fine: only the pair is broken.
    expect(cell(report, '1.0→1.0').counts.unsafe).toBe(0);
  });

  it('finds a receiver default that differs from the prevalent value the sender assumed', () => {
    const report = runMatrix(defaultMismatch, { runs: 100 });
    const c = cell(report, '1.0→2.0');
    expect(c.counts.unsafe).toBeGreaterThan(0);
    expect(c.examples.unsafe).toMatchObject({
      path: ['dev', 'irq'],
      expected: 0,
      actual: 0xff,
      state: { dev: { ctrl: 0, irq: 0 } },
    });
    expect(c.examples.unsafe?.shrinks).toBeGreaterThan(0);
  });

  it('shows a dishonest needed() as UNSAFE even from a version to itself', () => {
    const c = cell(runMatrix(dishonest, { runs: 200 }), '1.0→1.0');
    expect(c.counts.unsafe).toBeGreaterThan(0);
    // Shrunk to the one non-prevalent state for which needed() says false: level 1.
    expect(c.examples.unsafe).toMatchObject({
      path: ['dev', 'level'],
      expected: 1,
      actual: 0,
      state: { dev: { ctrl: 0, level: 1 } },
    });
    expect(c.examples.unsafe?.shrinks).toBeGreaterThan(0);
  });

  it('finds the A→B→C chain that loses state B cannot represent, while each hop alone is ok', () => {
    const report = runMatrix(chainLoss, { runs: 100 });
    expect(cell(report, '1.0→2.0').counts.unsafe).toBe(0);
    expect(cell(report, '2.0→3.0').counts.unsafe).toBe(0);
    for (const route of ['1.0→2.0→3.0', '1.0→2.0→1.0']) {
      const c = cell(report, route);
      expect(c.counts.unsafe).toBeGreaterThan(90);
      expect(c.examples.unsafe).toMatchObject({
        stage: 'round-trip',
        path: ['dev', 'mask'],
        expected: 1,
        actual: 0,
        state: { dev: { ctrl: 0, mask: 1 } },
      });
    }
    expect(report.unrepresented.find((u) => u.from === '1.0' && u.to === '2.0')?.paths).toEqual(['dev.mask']);
  });

  it('reports zero UNSAFE and zero crashes for a correct model, and refusals only where expected', () => {
    const report = runMatrix(timerdev, { runs: 60 });
    expect(report.totals.unsafe).toBe(0);
    expect(report.totals.crash).toBe(0);
    expect(report.pairs).toHaveLength(4 + 9 + 25);
    // 3 types: pc-3 (4.0, 5.0), pc-2 (3.0–5.0), pc-1 (all); chains A→B→X with B ≠ A, X ≠ B.
    expect(report.chains).toHaveLength(2 * 1 * 1 + 3 * 2 * 2 + 5 * 4 * 4);
    const bump = cell(report, '5.0→4.0', 'pc-3');
    expect(bump.counts.refused).toBe(60);
    expect(bump.refusedBy).toEqual({ 'version-too-new': 60 });
    // A subsection the older version lacks is refused only while it is off its prevalent value.
    const irq = cell(report, '2.0→1.0', 'pc-1');
    expect(irq.counts.refused).toBeGreaterThan(0);
    expect(irq.counts.ok).toBeGreaterThan(0);
    expect(irq.examples.refused).toMatchObject({
      code: 'unknown-subsection',
      path: ['timerdev', 'timerdev/irq'],
      state: { timerdev: { ctrl: 0, count: 0, irq_level: 1 } },
    });
    // Under pc-1 the FIFO feature is off (compat property): 3.0 → 2.0 never sends it.
    expect(cell(report, '3.0→2.0', 'pc-1').counts.ok).toBe(60);
    // Forward migration always works.
    for (const c of report.pairs) {
      if (report.versions.indexOf(c.route[0] as string) <= report.versions.indexOf(c.route[1] as string)) {
        expect(c.counts.ok, c.route.join('→')).toBe(60);
      }
    }
  });

  it('gives the same report for the same seed', () => {
    const a = runMatrix(defaultMismatch, { runs: 50, seed: 11 });
    const b = runMatrix(defaultMismatch, { runs: 50, seed: 11 });
    expect(b).toEqual(a);
  });
});
