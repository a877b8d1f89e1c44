import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { traceJsonReplacer } from '../../src/compat/lab/index.js';
import { captureOutput } from '../support/captured-output.js';
import { trace } from './fixtures/timerdev-lab.js';

const io = captureOutput();

const fixture = (name: string) => join(import.meta.dirname, 'fixtures', name);

describe('vmstate matrix', () => {
  it('prints the tables, the refusals and the prevalence of the module’s trace; exits 0 without UNSAFE', async () => {
    const code = await main(['matrix', fixture('timerdev-lab.ts'), '--runs', '20']);
    expect(io.err).toBe('');
    expect(code).toBe(0);
    expect(io.out).toContain('Migration matrix: 5 versions × 3 machine types, 20 states per cell, seed 42');
    expect(io.out).toContain('Machine type pc-1 (rows: source, columns: destination)');
    expect(io.out).toMatch(/2\.0 → 1\.0 on pc-1: ok \d+, refused \d+ \(unknown-subsection \d+\)/);
    expect(io.out).toContain('Prevalence over a trace of 240 steps on 4.0 (pc-2)');
    expect(io.out).toMatch(/migrating to 3\.0 would fail at [\d.]+% of steps \(95% CI/);
  });

  it('exits 1 and shows the counterexample when a migration is UNSAFE; --json is data', async () => {
    const code = await main(['matrix', fixture('moved-lab.ts'), '--runs', '20', '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(io.out);
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
    expect(io.out).toContain('Prevalence over a trace of 50 steps');
    expect(io.err).toContain(`HTML report written to ${html}`);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).not.toMatch(/<script/i);
  });

  it('reports usage errors: a module without versions, a bad --runs', async () => {
    expect(await main(['matrix', fixture('phase.ts')])).toBe(2);
    expect(io.err).toContain('does not export `versions`');
    expect(await main(['matrix', fixture('timerdev-lab.ts'), '--runs', 'many'])).toBe(2);
    expect(await main(['matrix', fixture('timerdev-lab.ts'), '--runs', '0'])).toBe(2);
    expect(io.err).toContain('--runs must be an integer ≥ 1, got "0"');
  });

  it('exits 2 with one clear line for missing, malformed or look-alike inputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmstate-matrix-'));
    const badJson = join(dir, 'trace.json');
    writeFileSync(badJson, '{ nope');
    const notATrace = join(dir, 'other.json');
    writeFileSync(notATrace, '{"steps": 3}');
    const otherVersion = join(dir, 'other-version.json');
    writeFileSync(otherVersion, '{"version": "9.9", "machine": "pc-1", "steps": [{"state": {}}]}');
    const otherMachine = join(dir, 'other-machine.json');
    writeFileSync(otherMachine, '{"version": "1.0", "machine": "pc-3", "steps": [{"state": {}}]}');
    const cases: [string[], RegExp][] = [
      [['matrix', join(dir, 'missing.ts')], /cannot read .*missing\.ts/],
      [
        ['matrix', fixture('timerdev-lab.ts'), '--trace', otherVersion],
        /version "9\.9", which .* does not define/,
      ],
      [['matrix', fixture('timerdev-lab.ts'), '--trace', otherMachine], /machine type "pc-3" is not one of/],
      [['matrix', dir], /cannot read/],
      [['matrix', badJson], /expected a module, not JSON/],
      [['matrix', fixture('not-versions.ts')], /does not export `versions`/],
      [['matrix', fixture('timerdev-lab.ts'), '--trace', badJson], /is not JSON/],
      [['matrix', fixture('timerdev-lab.ts'), '--trace', notATrace], /holds no trace/],
      [['matrix', fixture('timerdev-lab.ts'), '--trace', join(dir, 'gone.json')], /cannot read/],
      [
        ['matrix', fixture('timerdev-lab.ts'), '--html', join(dir, 'no', 'dir', 'r.html')],
        /cannot write .*r\.html/,
      ],
    ];
    for (const [argv, message] of cases) {
      io.err = '';
      expect(await main(argv), argv.join(' ')).toBe(2);
      expect(io.err, argv.join(' ')).toMatch(message);
      expect(io.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });

  it('--help documents the options and the exit codes', async () => {
    expect(await main(['matrix', '--help'])).toBe(0);
    for (const s of [
      '--trace',
      '--json',
      '--html',
      '--runs',
      '--seed',
      'Exit codes: 0',
      '1 UNSAFE',
      '2 bad',
    ]) {
      expect(io.out).toContain(s);
    }
  });
});
