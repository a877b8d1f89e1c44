import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedMachineTypes } from './index.js';
import {
  machineTypes,
  parseQemuVersion,
  QEMU_VERSIONS,
  QemuNotInstalledError,
  qemuInstall,
  reportedVersion,
  requireQemu,
} from './versions.js';
import { dumpVmstate } from './vm.js';

/** Real binaries: a missing version fails here (QemuNotInstalledError names the script), never skips. */
describe('QEMU versions (real binaries)', () => {
  const dir = mkdtempSync('/tmp/vmq-versions-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(QEMU_VERSIONS)('%s is installed and reports itself as that version', async (v) => {
    requireQemu(v);
    expect(await reportedVersion(v)).toMatch(new RegExp(`^${v.replace('.', '\\.')}\\.\\d+$`));
  });

  it.each([
    ['5.2', 'pc-i440fx-5.2', 'pc-i440fx-6.0'],
    ['7.2', 'pc-i440fx-7.2', 'pc-i440fx-8.0'],
    ['10.0', 'pc-i440fx-10.0', 'pc-i440fx-2.3'],
  ] as const)('%s knows %s and not %s (asked of the binary)', async (v, has, hasNot) => {
    const names = (await machineTypes(v)).map((m) => m.name);
    expect(names).toContain(has);
    expect(names).not.toContain(hasNot);
  });

  it('the three versions share pc and q35 machine types up to 5.2, none above', async () => {
    const shared = await sharedMachineTypes(QEMU_VERSIONS);
    expect(shared).toEqual(expect.arrayContaining(['pc-i440fx-5.2', 'pc-q35-5.2', 'pc-i440fx-2.4']));
    expect(shared).not.toContain('pc-i440fx-7.2');
    expect(await sharedMachineTypes(['7.2', '10.0'])).toContain('pc-q35-7.2');
  });

  it.each(QEMU_VERSIONS)('%s dumps its VMState descriptions with its dumpArgs', async (v) => {
    const file = join(dir, `dump-${v}.json`);
    await dumpVmstate('pc-i440fx-5.2', file, { version: v });
    type Desc = { name: string; version_id: number; Fields?: Field[]; Subsections?: Desc[] };
    type Field = { field: string; Description?: Desc };
    const dump = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { Description: Desc }>;
    const pic = dump['isa-i8259']?.Description;
    expect(pic?.name).toBe('i8259');
    // Only 10.0 knows i8259/ltim; esp (nested in am53c974) is 4 in 5.2, 6 in 7.2, 7 in 10.0.
    expect((pic?.Subsections ?? []).map((s) => s.name)).toEqual(v === '10.0' ? ['i8259/ltim'] : []);
    const esp = dump.am53c974?.Description.Fields?.find((f) => f.field === 'esp')?.Description;
    expect(esp?.version_id).toBe({ '5.2': 4, '7.2': 6, '10.0': 7 }[v]);
  });

  it('extracted versions run through their wrapper with their own firmware and modules', () => {
    const v10 = qemuInstall('10.0');
    expect(v10.binary.endsWith('/10.0/qemu-system-x86_64')).toBe(true);
    expect(readFileSync(v10.binary, 'utf8')).toContain(v10.firmware[0]);
    expect(qemuInstall('5.2').dumpArgs).toEqual(['-display', 'none']);
    expect(qemuInstall('7.2').extracted).toBe(false);
  });

  it('a missing version is a typed error naming scripts/qemu-versions.sh', () => {
    const saved = process.env.VMSTATE_QEMU_PREFIX;
    process.env.VMSTATE_QEMU_PREFIX = join(dir, 'nowhere');
    try {
      expect(() => requireQemu('10.0')).toThrow(QemuNotInstalledError);
      expect(() => requireQemu('10.0')).toThrow(/scripts\/qemu-versions\.sh/);
    } finally {
      if (saved === undefined) delete process.env.VMSTATE_QEMU_PREFIX;
      else process.env.VMSTATE_QEMU_PREFIX = saved;
    }
    expect(() => parseQemuVersion('6.0')).toThrow(/5\.2, 7\.2, 10\.0/);
  });
});
