import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCompatibility, checkReportJson } from './check.js';
import type { DumpDescriptionJson, DumpFieldJson, DumpSectionJson, VmstateDumpJson } from './dump-json.js';
import { fromDumpVmstate } from './from-dump.js';
import type { DescriptionSet } from './model.js';

/** QEMU 7.2's real -dump-vmstate for pc-i440fx-7.2 (213 device classes). */
const VECTOR = join(import.meta.dirname, '../../../test/vectors/qemu-7.2/dump-pc-i440fx-7.2.json');
const text = readFileSync(VECTOR, 'utf8');
const fresh = () => JSON.parse(text) as VmstateDumpJson;
const real = fromDumpVmstate(fresh(), 'real.json');

/** One section of a dump as a set of its own (checks stay small and fast). */
function single(json: VmstateDumpJson, key: string, label: string): DescriptionSet {
  return fromDumpVmstate({ [key]: json[key] as DumpSectionJson }, label);
}

const rows = (set: ReturnType<typeof checkCompatibility>) =>
  set.findings.map((f) => ({ d: f.direction, code: f.code, severity: f.severity, path: f.path }));

describe('checkCompatibility on the real QEMU 7.2 dump', () => {
  it('finds nothing between the dump and itself (213 device classes)', () => {
    expect(real.sections.size).toBe(213);
    const report = checkCompatibility(real, fromDumpVmstate(fresh(), 'copy.json'));
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
  });

  const keys = [...real.sections.keys()];

  it('a field removed from any section is one finding each way, at its path', () => {
    const base = fresh();
    let checked = 0;
    for (const key of keys) {
      const original = single(base, key, 'a');
      const fields = (base[key] as DumpSectionJson).Description.Fields ?? [];
      fields.forEach((f, i) => {
        const section = structuredClone(base[key]) as DumpSectionJson;
        section.Description.Fields?.splice(i, 1);
        const report = checkCompatibility(original, single({ [key]: section }, key, 'b'));
        const severity = f.field_exists ? 'warning' : 'error';
        // Padding is named "unused" in QEMU dumps: removing it changes what the padding covers.
        const code = f.field === 'unused' ? 'unused-size-changed' : 'field-removed';
        const at = [key, section.Description.name, f.field];
        expect(rows(report), `${key} › ${f.field}`).toEqual([
          { d: 'forward', code, severity, path: at },
          { d: 'backward', code, severity, path: at },
        ]);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('renaming fields to fresh names is reported as renames only (no rename list)', () => {
    const base = fresh();
    fc.assert(
      fc.property(
        fc.constantFrom(
          ...keys.filter((k) => ((fresh()[k] as DumpSectionJson).Description.Fields ?? []).length > 0),
        ),
        fc.infiniteStream(fc.boolean()),
        (key, picks) => {
          const section = structuredClone(base[key]) as DumpSectionJson;
          const fields = section.Description.Fields as DumpFieldJson[];
          const renamed: string[] = [];
          for (const f of fields) {
            // "unused" is how QEMU names padding: renaming it makes a real field (tested elsewhere).
            if (f.field !== 'unused' && picks.next().value) {
              renamed.push(f.field);
              f.field = `renamed_${renamed.length}_${f.field}`;
            }
          }
          const report = checkCompatibility(single(base, key, 'a'), single({ [key]: section }, key, 'b'));
          const name = section.Description.name;
          const expected = renamed.map((n) => ({
            code: 'field-renamed',
            severity: 'info',
            path: [key, name, n],
          }));
          for (const d of ['forward', 'backward']) {
            const got = rows(report).filter((r) => r.d === d);
            // Several renames to fresh names of the same shape in a row stay renames, position by position.
            expect(got.map(({ code, severity, path }) => ({ code, severity, path }))).toEqual(expected);
          }
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it('a version bump of any section is refused backward and accepted forward', () => {
    const base = fresh();
    for (const key of keys) {
      const section = structuredClone(base[key]) as DumpSectionJson;
      section.version_id += 1;
      section.Description.version_id += 1;
      const report = checkCompatibility(single(base, key, 'a'), single({ [key]: section }, key, 'b'));
      expect(rows(report)).toEqual([
        { d: 'backward', code: 'version-too-new', severity: 'error', path: [key] },
      ]);
    }
  });
});

// Generated descriptions in the dump shape: checked against themselves, there is never a finding.
const fieldName = fc.constantFrom('a', 'b', 'c', 'unused', 'regs', 'n');
const leaf: fc.Arbitrary<DumpFieldJson> = fc.record({
  field: fieldName,
  version_id: fc.nat(3),
  field_exists: fc.boolean(),
  size: fc.constantFrom(0, 1, 2, 4, 8, 256),
});
const description: fc.Arbitrary<DumpDescriptionJson> = fc.letrec<{ d: DumpDescriptionJson }>((tie) => ({
  d: fc.record({
    name: fc.constantFrom('dev', 'inner', 'PCIDevice'),
    version_id: fc.integer({ min: 2, max: 4 }),
    minimum_version_id: fc.nat(2),
    Fields: fc.array(
      fc.oneof(
        { maxDepth: 2, depthIdentifier: 'desc' },
        { weight: 4, arbitrary: leaf },
        { weight: 1, arbitrary: fc.tuple(leaf, tie('d')).map(([f, d]) => ({ ...f, Description: d })) },
      ),
      { maxLength: 6, depthIdentifier: 'desc' },
    ),
    Subsections: fc.oneof(
      { maxDepth: 2, depthIdentifier: 'desc' },
      fc.constant<DumpDescriptionJson[]>([]),
      fc.array(
        tie('d').map((d) => ({ ...d, name: `dev/${d.name}` })),
        { maxLength: 2, depthIdentifier: 'desc' },
      ),
    ),
  }),
})).d;

describe('checkCompatibility on generated descriptions', () => {
  it('never reports anything between a description set and a copy of itself', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('x', 'y', 'z'), description), (sections) => {
        const json: VmstateDumpJson = {};
        for (const [key, d] of Object.entries(sections)) {
          json[key] = {
            Name: key,
            version_id: d.version_id,
            minimum_version_id: d.minimum_version_id,
            Description: d,
          };
        }
        const a = fromDumpVmstate(json, 'a');
        const b = fromDumpVmstate(JSON.parse(JSON.stringify(json)), 'b');
        expect(checkCompatibility(a, b).findings).toEqual([]);
      }),
      { numRuns: 300, seed: 1 },
    );
  });

  it('finds the same problems whichever side is the source: forward of (a, b) is backward of (b, a)', () => {
    fc.assert(
      fc.property(description, description, (da, db) => {
        const wrap = (d: DumpDescriptionJson): VmstateDumpJson => ({
          dev: {
            Name: 'dev',
            version_id: d.version_id,
            minimum_version_id: d.minimum_version_id,
            Description: d,
          },
        });
        const a = fromDumpVmstate(wrap(da), 'a');
        const b = fromDumpVmstate(wrap(db), 'b');
        const ab = checkCompatibility(a, b, { direction: 'forward' }).findings;
        const ba = checkCompatibility(b, a, { direction: 'backward' }).findings;
        // Same sender and receiver; only the role words differ ("source"/"destination"), and the
        // history-named codes: added on one side is removed on the other.
        const swap: Record<string, string> = {
          'field-added': 'field-removed',
          'field-removed': 'field-added',
        };
        expect(ba.map((f) => [swap[f.code] ?? f.code, f.severity])).toEqual(
          ab.map((f) => [f.code, f.severity]),
        );
      }),
      { numRuns: 300, seed: 3 },
    );
  });
});

describe('checkReportJson', () => {
  it('prints findings with code, severity, direction, path, message and suggestion', () => {
    const edited = fresh();
    delete edited['isa-pcspk'];
    const report = checkCompatibility(real, fromDumpVmstate(edited, 'b.json'));
    const json = checkReportJson(report) as { findings: Record<string, unknown>[]; ok: boolean };
    // A QEMU dump lists device classes only: absent from it is a warning, not proof of a refusal
    // (7.2's dump has no "ide" and 7.2 loads 10.0's piix3-ide section).
    expect(json.ok).toBe(true);
    expect(json.findings).toEqual([
      {
        code: 'unknown-section',
        severity: 'warning',
        direction: 'forward',
        path: ['isa-pcspk'],
        message: expect.stringContaining('dump has no description "pcspk"'),
        suggestion: expect.stringContaining('isa-pcspk'),
        details: { sent: 'unknown', machine: 'pc-i440fx-7.2' },
      },
    ]);
  });
});
