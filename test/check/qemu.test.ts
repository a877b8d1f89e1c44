import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { checkCompatibility, checkInputs, fromDumpVmstate } from '../../src/compat/index.js';
import { assertQemu, dumpVmstate, listMachines, machineRange } from '../qemu/qemu.js';
import { captureOutput } from '../support/captured-output.js';

/**
 * Real `-dump-vmstate` output, generated at test time from the installed QEMU for the oldest and
 * newest i440fx and q35 machine types. QEMU's dump lists device classes and does not apply compat
 * properties, so the dumps of one build differ only in `vmschkmachine` (spec §14): the checker
 * must report exactly one machine-type note per direction between them, and nothing between a
 * dump and itself. Fails (never skips) without QEMU.
 */
const dir = mkdtempSync(join(tmpdir(), 'vmstate-check-qemu-'));
const files: Record<string, string> = {};
let machines: { i440fx: { oldest: string; newest: string }; q35: { oldest: string; newest: string } };

/** Set when QEMU is missing or a dump fails: every test then fails with it (none is skipped). */
let setupError: unknown;

beforeAll(async () => {
  try {
    assertQemu();
    const all = await listMachines();
    const i440fx = machineRange(all, 'pc-i440fx');
    const q35 = machineRange(all, 'pc-q35');
    if (!i440fx || !q35) throw new Error('QEMU lists no versioned pc-i440fx-* or pc-q35-* machine types');
    machines = { i440fx, q35 };
    const names = [i440fx.oldest, i440fx.newest, q35.oldest, q35.newest];
    await Promise.all(
      names.map(async (m) => {
        files[m] = join(dir, `${m}.json`);
        await dumpVmstate(m, files[m] as string);
      }),
    );
  } catch (e) {
    setupError = e;
  }
}, 120_000);

beforeEach(() => {
  if (setupError !== undefined) throw setupError;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const json = (machine: string) =>
  JSON.parse(readFileSync(files[machine] as string, 'utf8')) as Record<string, unknown>;

/** The dump without its machine-type entry: what the device classes say. */
function devices(machine: string): Record<string, unknown> {
  const { vmschkmachine: _machine, ...rest } = json(machine);
  return rest;
}

describe('vmstate check on real QEMU dumps', () => {
  it('dumps hundreds of device classes, each named after its machine type', () => {
    for (const m of Object.keys(files)) {
      const dump = json(m);
      expect(dump.vmschkmachine).toEqual({ Name: m });
      expect(Object.keys(dump).length).toBeGreaterThan(100);
    }
  });

  it('finds nothing between a dump and itself, either way', async () => {
    for (const file of Object.values(files)) {
      const report = await checkInputs(file, file);
      expect(report.findings).toEqual([]);
      expect(report.ok).toBe(true);
    }
  });

  it('reports only the machine type between oldest and newest i440fx and q35 (and across families): QEMU refuses', async () => {
    const pairs: [string, string][] = [
      [machines.i440fx.oldest, machines.i440fx.newest],
      [machines.q35.oldest, machines.q35.newest],
      [machines.i440fx.newest, machines.q35.newest],
      [machines.q35.oldest, machines.i440fx.oldest],
    ];
    for (const [a, b] of pairs) {
      // What is true between them, from the files themselves: only vmschkmachine differs.
      expect(devices(a)).toEqual(devices(b));
      const report = await checkInputs(files[a] as string, files[b] as string);
      // QEMU migrates only between equal machine types (configuration_post_load, or the
      // configuration section itself when one side is 2.3 or older): an error, not a note.
      expect(report.findings.map((f) => [f.direction, f.code, f.severity, f.path])).toEqual([
        ['forward', 'machine-type-differs', 'error', ['vmschkmachine']],
        ['backward', 'machine-type-differs', 'error', ['vmschkmachine']],
      ]);
      expect(report.findings[0]?.details).toEqual({ sender: a, receiver: b });
      expect(report.findings[0]?.message).toMatch(
        /Machine type received is|Unknown savevm section type 7|Configuration section missing/,
      );
      expect(report.ok).toBe(false);
    }
  });

  it('finds edits made to a real dump at their exact paths, and nothing else', () => {
    const m = machines.i440fx.newest;
    const original = fromDumpVmstate(json(m), 'original.json');
    interface Node {
      Fields?: { field: string; Description?: Node }[];
      Subsections?: { name: string }[];
    }
    const edited = json(m) as Record<string, { Description: Node }>;
    const inner = (key: string): Node => {
      const d = edited[key]?.Description.Fields?.[0]?.Description;
      if (!d) throw new Error(`${key} has no nested description in this dump`);
      return d;
    };
    // Drop the second field of the inner fdc description and the pckbd's last subsection.
    const dropped = inner('isa-fdc').Fields?.splice(1, 1)[0]?.field as string;
    const gone = inner('i8042').Subsections?.pop()?.name as string;
    const report = checkCompatibility(original, fromDumpVmstate(edited, 'edited.json'));
    // Sections come in the dump's order; compare as a set of rows.
    const rows = (xs: unknown[][]) => xs.map((x) => JSON.stringify(x)).sort();
    expect(rows(report.findings.map((f) => [f.direction, f.code, f.severity, f.path]))).toEqual(
      rows([
        ['forward', 'field-removed', 'error', ['isa-fdc', 'fdc', 'state', 'fdc', dropped]],
        ['forward', 'unknown-subsection', 'error', ['i8042', 'pckbd', 'kbd', 'pckbd', gone]],
        ['backward', 'field-removed', 'error', ['isa-fdc', 'fdc', 'state', 'fdc', dropped]],
        ['backward', 'subsection-defaulted', 'info', ['i8042', 'pckbd', 'kbd', 'pckbd', gone]],
      ]),
    );
  });
});

describe('vmstate check CLI on real QEMU dumps', () => {
  const io = captureOutput();

  it('--json prints the findings; exit 1 for two machine types (QEMU refuses), 0 for one', async () => {
    expect(
      await main(['check', files[machines.q35.newest] as string, files[machines.q35.newest] as string]),
    ).toBe(0);
    io.out = '';
    const code = await main([
      'check',
      files[machines.q35.oldest] as string,
      files[machines.q35.newest] as string,
      '--json',
    ]);
    expect(code).toBe(1);
    const parsed = JSON.parse(io.out) as { findings: Record<string, unknown>[] };
    expect(parsed.findings).toHaveLength(2);
    for (const f of parsed.findings) {
      expect(Object.keys(f).slice(0, 6)).toEqual([
        'code',
        'severity',
        'direction',
        'path',
        'message',
        'suggestion',
      ]);
    }
  });
});
