import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureOutput } from '../support/captured-output.js';
import { vectorBytes } from './vectors.js';

const io = captureOutput();
const scratch = mkdtempSync(join(tmpdir(), 'vmstate-check-width-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const file = (version: string, name: string) => {
  const path = join(scratch, `${version}-${name.replace(/\.gz$/, '')}`);
  writeFileSync(path, vectorBytes(version, name));
  return path;
};

// A q35 7.2 stream against 5.2's i440fx dump: before fitWidth its count-from-sender line was
// 28,219 columns and its refusals up to 199.
describe('check STREAM DEST text fits 100 columns', () => {
  it('wraps every long finding, keeping every word in order', async () => {
    const args = ['check', file('7.2', 'q35-7.2.mig'), file('5.2', 'dump-pc-i440fx-5.2.json.gz')];
    expect(await main(args)).toBe(1);
    const lines = io.out.split('\n');
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(100);
    expect(lines.length).toBeGreaterThan(20);
    io.out = '';
    expect(await main([...args, '--json'])).toBe(1);
    // The words of the text are the JSON's messages, unwrapped.
    const report = JSON.parse(io.out) as { findings: { message: string }[] };
    const longest = report.findings.map((f) => f.message).sort((a, b) => b.length - a.length)[0] ?? '';
    expect(longest.length).toBeGreaterThan(1000);
    expect(lines.join(' ').replace(/\s+/g, ' ')).toContain(longest.replace(/\s+/g, ' '));
  });
});
