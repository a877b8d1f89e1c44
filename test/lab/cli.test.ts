import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { traceJsonReplacer } from '../../src/compat/lab/index.js';
import { trace } from './fixtures/timerdev-lab.js';

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);

describe('vmstate matrix', () => {
  it('prints the tables, the refusals and the prevalence of the module’s trace; exits 0 without UNSAFE', async () => {
    const code = await main(['matrix', fixture('timerdev-lab.ts'), '--runs', '20']);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('Migration matrix: 5 versions × 3 machine types, 20 states per cell, seed 42');
    expect(out).toContain('Machine type pc-1 (rows: source, columns: destination)');
    expect(out).toMatch(/2\.0 → 1\.0 on pc-1: ok \d+, refused \d+ \(unknown-subsection \d+\)/);
    expect(out).toContain('Prevalence over a trace of 240 steps on 4.0 (pc-2)');
    expect(out).toMatch(/migrating to 3\.0 would fail at [\d.]+% of steps \(95% CI/);
  });

  it('exits 1 and shows the counterexample when a migration is UNSAFE; --json is data', async () => {
    const code = await main(['matrix', fixture('moved-lab.ts'), '--runs', '20', '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(out);
    const cell = report.matrix.pairs.find((c: { route: string[] }) => c.route.join('>') === '1.0>1.1');
    expect(cell.examples.unsafe).toMatchObject({
      path: ['dev', 'ctrl'],
      state: { dev: { ctrl: 0, status: 1 } },
    });
  });

  it('reads a JSON trace (bigints and bytes tagged) and writes a self-contained HTML report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmstate-matrix-'));
    const traceFile = join(dir, 'trace.json');
    writeFileSync(
      traceFile,
      JSON.stringify({ ...trace, steps: trace.steps.slice(0, 50) }, traceJsonReplacer),
    );
    const html = join(dir, 'report.html');
    const code = await main([
      'matrix',
      fixture('timerdev-lab.ts'),
      '--runs',
      '10',
      '--trace',
      traceFile,
      '--html',
      html,
    ]);
    expect(code).toBe(0);
    expect(out).toContain('Prevalence over a trace of 50 steps');
    expect(err).toContain(`HTML report written to ${html}`);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).not.toMatch(/<script/i);
  });

  it('reports usage errors: a module without versions, a bad --runs', async () => {
    expect(await main(['matrix', fixture('phase.ts')])).toBe(2);
    expect(err).toContain('does not export `versions`');
    expect(await main(['matrix', fixture('timerdev-lab.ts'), '--runs', 'many'])).toBe(2);
  });
});
