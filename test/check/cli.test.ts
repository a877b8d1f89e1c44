import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { dumpModule } from '../../src/compat/index.js';
import { captureOutput } from '../support/captured-output.js';

const io = captureOutput();

const scratch = mkdtempSync(join(tmpdir(), 'vmstate-check-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const corpus = (name: string, file: string) => join(import.meta.dirname, 'corpus', name, file);
const releases = join(import.meta.dirname, 'fixtures', 'releases.ts');

describe('vmstate check', () => {
  it('exits 0 with "No findings" for a description set against itself', async () => {
    const src = corpus('identical', 'source.ts');
    expect(await main(['check', src, corpus('identical', 'destination.ts')])).toBe(0);
    expect(io.out).toContain('No findings.');
    expect(io.out).toContain('Result: no errors in the checked directions.');
  });

  it('exits 1 on errors and prints a report grouped by section, with a fix per finding', async () => {
    const code = await main([
      'check',
      corpus('qemu-static-checker-data', 'source.json'),
      corpus('qemu-static-checker-data', 'destination.json'),
    ]);
    expect(code).toBe(1);
    expect(io.err).toBe('');
    const lines = io.out.split('\n');
    // Section headers at column 0, findings indented under them, forward before backward.
    const megasas = lines.indexOf('megasas');
    expect(megasas).toBeGreaterThan(0);
    expect(lines[megasas + 1]).toMatch(
      /^ {2}forward {2}error {3}megasas › megasas › parent_obj › PCIDevice › irq_state$/,
    );
    expect(lines[megasas + 2]).toContain('[field-removed]');
    expect(lines[megasas + 3]).toMatch(/^ {6}fix: /);
    expect(lines[megasas + 4]).toMatch(/^ {2}backward error/);
    expect(io.out).toMatch(
      /forward {2}\(upgrade: source\.json → destination\.json\): 12 errors, 0 warnings, 4 info/,
    );
    expect(io.out).toMatch(
      /backward \(rollback: destination\.json → source\.json\): 10 errors, 0 warnings, 4 info/,
    );
  });

  it('--json prints { findings: [...] } with the issue keys, severity and direction', async () => {
    const code = await main([
      'check',
      corpus('field-added', 'source.ts'),
      corpus('field-added', 'destination.ts'),
      '--json',
    ]);
    expect(code).toBe(1);
    const report = JSON.parse(io.out);
    expect(report.ok).toBe(false);
    expect(report.counts).toEqual({
      forward: { error: 1, warning: 0, info: 0 },
      backward: { error: 1, warning: 0, info: 0 },
    });
    expect(report.findings.map((f: Record<string, unknown>) => Object.keys(f))).toEqual([
      ['code', 'severity', 'direction', 'path', 'message', 'suggestion', 'details'],
      ['code', 'severity', 'direction', 'path', 'message', 'suggestion', 'details'],
    ]);
    expect(report.findings[0]).toMatchObject({
      code: 'field-added',
      severity: 'error',
      direction: 'forward',
      path: ['dev', 'dev', 'c'],
    });
  });

  it('--direction picks what is checked and what decides the exit code', async () => {
    const [src, dst] = [corpus('version-bump', 'source.ts'), corpus('version-bump', 'destination.ts')];
    expect(await main(['check', src, dst, '--direction', 'forward', '--json'])).toBe(0);
    expect(JSON.parse(io.out).findings.map((f: { direction: string }) => f.direction)).toEqual(['forward']);
    io.out = '';
    expect(await main(['check', src, dst, '--direction', 'backward'])).toBe(1);
    expect(io.out).not.toContain('forward');
    expect(await main(['check', src, dst])).toBe(1);
  });

  it('--hide-info leaves info findings out of the text but counts them', async () => {
    const code = await main([
      'check',
      corpus('version-bump', 'source.ts'),
      corpus('version-bump', 'destination.ts'),
      '--direction',
      'forward',
      '--hide-info',
    ]);
    expect(code).toBe(0);
    expect(io.out).not.toContain('field-defaulted');
    expect(io.out).toContain('0 errors, 0 warnings, 1 info');
  });

  it('reads lab releases as file.ts#release, under a chosen machine type', async () => {
    const code = await main(['check', `${releases}#1.0`, `${releases}#2.0`, '--json', '--machine', 'pc-1']);
    expect(code).toBe(0);
    expect(JSON.parse(io.out).findings).toMatchObject([
      { code: 'subsection-defaulted', direction: 'forward', severity: 'info' },
      { code: 'unknown-subsection', direction: 'backward', severity: 'info' },
    ]);
    io.out = '';
    // Without --machine each release takes its own newest machine type (1.0: pc-1, 2.0: pc-2).
    expect(await main(['check', `${releases}#1.0`, `${releases}#2.0`, '--json'])).toBe(0);
    const findings = JSON.parse(io.out).findings;
    expect(findings.map((f: { code: string }) => f.code)).toEqual([
      'machine-type-differs',
      'subsection-defaulted',
      'machine-type-differs',
      'unknown-subsection',
    ]);
    expect(findings[3]).toMatchObject({
      severity: 'warning',
      details: { dependsOn: ['dev.wide'], machine: 'pc-2', neverSentUnder: ['pc-1'] },
    });
  });

  it('exits 2 for unreadable or unsuitable input and bad arguments', async () => {
    const notJson = join(scratch, 'bad.json');
    writeFileSync(notJson, '{ nope');
    const notDump = join(scratch, 'array.json');
    writeFileSync(notDump, '[1, 2]');
    const notADump = join(scratch, 'object.json');
    writeFileSync(notADump, '{}');
    const broken = join(scratch, 'broken.ts');
    writeFileSync(broken, 'export const sections = [;\n');
    const ok = corpus('identical', 'source.ts');
    const cases: [string[], RegExp][] = [
      [['check', broken, ok], /cannot load module .*broken\.ts: .*Unexpected/],
      [['check', join(scratch, 'missing.json'), ok], /cannot read/],
      [['check', notJson, ok], /is not JSON/],
      [['check', notDump, ok], /not a -dump-vmstate file/],
      [['check', notADump, ok], /no "vmschkmachine" and no sections/],
      [['check', join(scratch, 'missing.ts'), ok], /cannot read .*missing\.ts/],
      [['check', scratch, ok], /cannot read/],
      [['check', join(import.meta.dirname, 'cli.test.ts'), ok], /does not export `sections`/],
      [['check', `${releases}#9.9`, ok], /unknown version "9.9"/],
      [['check', `${releases}#1.0`, ok, '--machine', 'nope'], /unknown machine type "nope"/],
      [['check', ok, ok, '--direction', 'sideways'], /Allowed choices are forward, backward, both/],
      [['check', ok], /missing required argument/],
    ];
    for (const [argv, message] of cases) {
      io.err = '';
      expect(await main(argv), argv.join(' ')).toBe(2);
      expect(io.err, argv.join(' ')).toMatch(message);
      // One clear message: no stack trace, no path prefix for a whole-file problem.
      expect(io.err, argv.join(' ')).not.toMatch(/\n\s+at |\(top\)/);
      expect(io.err.trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });

  it('--help documents the options and the exit codes', async () => {
    expect(await main(['check', '--help'])).toBe(0);
    for (const s of [
      '--direction',
      '--machine',
      '--json',
      '--hide-info',
      'Exit codes: 0',
      '1 errors',
      '2 bad',
    ]) {
      expect(io.out).toContain(s);
    }
  });
});

describe('vmstate dump', () => {
  it('prints the module in the -dump-vmstate JSON shape, with our keys', async () => {
    const file = corpus('subsection-machine', 'destination.ts');
    expect(await main(['dump', file, '--machine', 'm-1'])).toBe(0);
    const printed = JSON.parse(io.out);
    expect(printed).toEqual(await dumpModule(file, { machine: 'm-1' }));
    expect(printed.vmschkmachine).toEqual({ Name: 'm-1', props: { 'dev.extra': false } });
    expect(printed.dev.Description.Subsections[0]).toMatchObject({
      name: 'dev/extra',
      depends_on: ['dev.extra'],
      needed_under_machine: false,
    });
    // QEMU's two-space pretty printing.
    expect(io.out.startsWith('{\n  "vmschkmachine": {\n    "Name": "m-1"')).toBe(true);
  });

  it("--plain prints only QEMU's keys", async () => {
    expect(await main(['dump', corpus('identical', 'source.ts'), '--plain'])).toBe(0);
    const keys = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (typeof v === 'object' && v !== null) {
        for (const [k, x] of Object.entries(v)) {
          keys.add(k);
          walk(x);
        }
      }
    };
    walk(JSON.parse(io.out).dev);
    expect([...keys].sort()).toEqual(
      [
        'Description',
        'Fields',
        'Name',
        'Subsections',
        'field',
        'field_exists',
        'minimum_version_id',
        'name',
        'num',
        'size',
        'version_id',
      ].sort(),
    );
  });

  it('exits 2 for a module it cannot use', async () => {
    expect(await main(['dump', join(scratch, 'nothing.ts')])).toBe(2);
    expect(io.err).toContain('cannot read');
    io.err = '';
    expect(await main(['dump', corpus('missing-section', 'source.json')])).toBe(2);
    expect(io.err).toContain('is -dump-vmstate JSON, not a module');
    io.err = '';
    expect(await main(['dump', join(import.meta.dirname, 'cli.test.ts')])).toBe(2);
    expect(io.err).toContain('does not export `sections`');
    expect(io.err).not.toMatch(/\n\s+at /);
  });

  it('--help documents the options and the exit codes', async () => {
    expect(await main(['dump', '--help'])).toBe(0);
    for (const s of ['--machine', '--plain', 'Exit codes: 0', '2 bad']) expect(io.out).toContain(s);
  });
});
