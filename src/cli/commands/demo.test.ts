import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';

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

const small = ['--steps', '6', '--rare', '2', '--sectors', '30'];

describe('vmstate demo', () => {
  it('prints the tables per policy and profile, and the checks', async () => {
    const code = await main(['demo', ...small, '--seed', '9']);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toContain('seed 9 · 6 random migration points per profile and runtime');
    for (const s of ['Policy (a) v2a', 'Policy (b) v2b', 'Policy (c) v2c', 'v2b→v1@pc-2.3', 'Checks']) {
      expect(out).toContain(s);
    }
    expect(out).toContain('--html');
  });

  it('--json is the report as data; --html writes the lab’s report with the demo section', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmstate-demo-'));
    const html = join(dir, 'demo.html');
    const code = await main(['demo', ...small, '--json', '--html', html]);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.seed).toBe(1);
    expect(report.profiles.map((p: { profile: string }) => p.profile)).toEqual(['pio', 'irq', 'impatient']);
    expect(report.checks.length).toBeGreaterThan(5);
    expect(err).toContain(`HTML report written to ${html}`);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<section id="demo">');
    expect(page).toContain('<svg');
  }, 60_000);

  it('refuses bad numbers (exit 2)', async () => {
    expect(await main(['demo', '--steps', '0'])).toBe(2);
    expect(err).toContain('--steps must be an integer ≥ 1');
  });
});
