import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type CheckReport, checkInputs, type Direction, dumpModule } from '../../src/compat/index.js';

/**
 * The corpus: one directory per rule under corpus/, each with a source and a destination (QEMU
 * `-dump-vmstate` JSON or TS modules) and expected.json listing the exact findings, in order, for
 * each direction, per machine type run. TS cases are also checked through their `vmstate dump`
 * JSON, which must give the very same findings.
 */
const CORPUS = join(import.meta.dirname, 'corpus');

interface ExpectedFinding {
  code: string;
  severity: string;
  path: (string | number)[];
}

interface Run {
  machine?: string;
  forward: ExpectedFinding[];
  backward: ExpectedFinding[];
}

interface Case {
  about: string;
  runs: Run[];
}

const cases = readdirSync(CORPUS).filter((n) => statSync(join(CORPUS, n)).isDirectory());

const scratch = mkdtempSync(join(tmpdir(), 'vmstate-check-corpus-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function only(report: CheckReport, direction: Direction): ExpectedFinding[] {
  return report.findings
    .filter((f) => f.direction === direction)
    .map((f) => ({ code: f.code, severity: f.severity, path: [...f.path] }));
}

function inputsOf(name: string): { source: string; destination: string; kind: 'json' | 'ts' } {
  const dir = join(CORPUS, name);
  const kind = existsSync(join(dir, 'source.json')) ? 'json' : 'ts';
  return { source: join(dir, `source.${kind}`), destination: join(dir, `destination.${kind}`), kind };
}

it('the corpus has a case for every rule', () => {
  const codes = new Set(
    cases.flatMap((name) => {
      const spec = JSON.parse(readFileSync(join(CORPUS, name, 'expected.json'), 'utf8')) as Case;
      return spec.runs.flatMap((r) => [...r.forward, ...r.backward].map((f) => f.code));
    }),
  );
  expect([...codes].sort()).toEqual(
    [
      'description-renamed',
      'field-added',
      'field-condition-changed',
      'field-defaulted',
      'field-removed',
      'field-renamed',
      'field-reordered',
      'field-resized',
      'field-retyped',
      'field-since-too-new',
      'field-version-changed',
      'fields-regrouped',
      'machine-type-differs',
      'section-renamed',
      'subsection-defaulted',
      'unknown-section',
      'unknown-subsection',
      'unused-reused',
      'unused-size-changed',
      'version-too-new',
      'version-too-old',
    ].sort(),
  );
  expect(cases.filter((c) => inputsOf(c).kind === 'json').length).toBeGreaterThan(3);
  expect(cases.filter((c) => inputsOf(c).kind === 'ts').length).toBeGreaterThan(3);
});

describe.each(cases)('corpus: %s', (name) => {
  const spec = JSON.parse(readFileSync(join(CORPUS, name, 'expected.json'), 'utf8')) as Case;
  const { source, destination, kind } = inputsOf(name);

  for (const run of spec.runs) {
    const machine = run.machine === undefined ? {} : { machine: run.machine };
    const label = run.machine === undefined ? 'default machine type' : `machine type ${run.machine}`;

    it(`${label}: exact findings forward and backward`, async () => {
      const report = await checkInputs(source, destination, machine);
      expect(only(report, 'forward')).toEqual(run.forward);
      expect(only(report, 'backward')).toEqual(run.backward);
      for (const f of report.findings) {
        expect(f.message.length).toBeGreaterThan(10);
        expect(f.suggestion.length).toBeGreaterThan(10);
      }
      const errors = [...run.forward, ...run.backward].filter((f) => f.severity === 'error');
      expect(report.ok).toBe(errors.length === 0);
    });

    it(`${label}: each direction alone gives that direction's findings`, async () => {
      const both = await checkInputs(source, destination, machine);
      for (const direction of ['forward', 'backward'] as const) {
        const alone = await checkInputs(source, destination, { ...machine, direction });
        expect(alone.directions).toEqual([direction]);
        expect(alone.findings).toEqual(both.findings.filter((f) => f.direction === direction));
        expect(alone.ok).toBe(alone.findings.every((f) => f.severity !== 'error'));
      }
    });

    if (kind === 'ts') {
      it(`${label}: the same findings through \`vmstate dump\` JSON, and mixed`, async () => {
        const files: Record<string, string> = {};
        for (const [role, file] of Object.entries({ source, destination })) {
          const out = join(scratch, `${name}-${run.machine ?? 'default'}-${role}.json`);
          writeFileSync(out, JSON.stringify(await dumpModule(file, machine), null, 2));
          files[role] = out;
        }
        const direct = await checkInputs(source, destination, machine);
        const viaJson = await checkInputs(files.source as string, files.destination as string);
        expect(viaJson.findings).toEqual(direct.findings);
        const mixed = await checkInputs(source, files.destination as string, machine);
        expect(mixed.findings).toEqual(direct.findings);
      });
    }
  }
});
