import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureOutput } from '../../../test/support/captured-output.js';
import { main } from '../main.js';

const io = captureOutput();

const small = ['--steps', '6', '--rare', '2', '--sectors', '30'];
const dir = mkdtempSync(join(tmpdir(), 'vmstate-demo-'));

describe('vmstate demo', () => {
  it('prints the tables per policy and profile, and the checks', async () => {
    const code = await main(['demo', ...small, '--seed', '9', '--no-html']);
    expect(code).toBe(0);
    expect(io.err).toBe('');
    expect(io.out).toContain('seed 9 · 6 random migration points per profile and runtime');
    for (const s of ['Policy (a) v2a', 'Policy (b) v2b', 'Policy (c) v2c', 'v2b→v1@pc-2.3', 'Checks']) {
      expect(io.out).toContain(s);
    }
    // 100 columns (192 before), and the tables fit whole: no row is wrapped.
    for (const line of io.out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    for (const profile of ['pio', 'irq', 'impatient']) {
      const rows = io.out.split('\n').filter((l) => l.startsWith(`  ${profile} `));
      // Per policy: the main table's row (seven cells) and the other directions' row (three).
      expect(rows.filter((l) => l.trim().split(/ {2,}/).length === 7)).toHaveLength(3);
      expect(rows.filter((l) => l.trim().split(/ {2,}/).length === 3)).toHaveLength(3);
    }
  });

  it('--live: the report fits 100 columns, and a refusal says why', async () => {
    expect(await main(['demo', '--live', '--migrations', '3', '--seed', '2'])).toBe(0);
    const lines = io.out.split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(io.out).toContain('migrations 3:');
    expect(io.out.replace(/\s+/g, ' ')).toContain(
      '(started in a non-prevalent state) unknown-subsection at fdc.state.fdc/phase',
    );
  }, 120_000);

  it('writes nothing but stdout unless --html names a file', async () => {
    const cwd = process.cwd();
    const here = mkdtempSync(join(dir, 'cwd-'));
    process.chdir(here);
    try {
      expect(await main(['demo', ...small, '--json'])).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    expect(readdirSync(here)).toEqual([]);
    expect(io.err).not.toContain('HTML report written');
  }, 60_000);

  it('--json is the report as data; --html writes the lab’s report with the demo section', async () => {
    const html = join(dir, 'demo.html');
    const code = await main(['demo', ...small, '--json', '--html', html]);
    expect(code).toBe(0);
    const report = JSON.parse(io.out);
    expect(report.seed).toBe(1);
    expect(report.profiles.map((p: { profile: string }) => p.profile)).toEqual(['pio', 'irq', 'impatient']);
    expect(report.checks.length).toBeGreaterThan(5);
    expect(io.err).toContain(`HTML report written to ${html}`);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<section id="demo">');
    expect(page).toContain('<svg');
  }, 60_000);

  it('refuses bad numbers and an unwritable report (exit 2)', async () => {
    expect(await main(['demo', '--steps', '0'])).toBe(2);
    expect(io.err).toContain('--steps must be an integer ≥ 1');
    io.err = '';
    expect(await main(['demo', ...small, '--html', join(dir, 'no', 'such', 'dir.html')])).toBe(2);
    expect(io.err).toMatch(/^error: cannot write .*dir\.html: ENOENT[^\n]*\n$/);
  }, 60_000);

  it('--help documents the options and the exit codes', async () => {
    expect(await main(['demo', '--help'])).toBe(0);
    for (const s of ['--seed', '--steps', '--html', '--no-html', '--json', 'Exit codes: 0', '2 bad']) {
      expect(io.out).toContain(s);
    }
  });
});
