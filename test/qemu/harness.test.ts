import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  assertQemu,
  listMachines,
  loadStream,
  machineRange,
  parseMachineHelp,
  QmpError,
  saveStream,
  startVm,
  type Vm,
} from './qemu.js';

const MACHINE = 'pc-i440fx-7.2';

describe('QEMU harness (real qemu-system-x86_64)', () => {
  let dir = '';
  const vms: Vm[] = [];

  const start = async (machine: string): Promise<Vm> => {
    const vm = await startVm({ machine });
    vms.push(vm);
    return vm;
  };

  /** Saves a fresh paused VM to `name` under the temp dir; returns the bytes. */
  const saveFresh = async (name: string): Promise<Buffer> => {
    const vm = await start(MACHINE);
    const file = join(dir, name);
    const info = await saveStream(vm, file);
    expect(info.status, vm.stderr()).toBe('completed');
    expect(await vm.quit()).toBe(0);
    return readFileSync(file);
  };

  beforeAll(() => {
    dir = mkdtempSync('/tmp/vmq-test-');
  });

  beforeEach(() => {
    assertQemu(); // fails (never skips) every test below when QEMU is absent
  });

  afterEach(async () => {
    await Promise.all(vms.splice(0).map((vm) => vm.kill()));
  });

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('saves a paused VM: QEVM v3, configuration section with the machine name; loads back', async () => {
    const bytes = await saveFresh('a.mig');
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('QEVM');
    expect(bytes.readUInt32BE(4)).toBe(3);
    expect(bytes[8]).toBe(0x07);
    expect(bytes.readUInt32BE(9)).toBe(MACHINE.length);
    expect(bytes.subarray(13, 13 + MACHINE.length).toString('latin1')).toBe(MACHINE);
    expect(bytes[13 + MACHINE.length]).toBe(0x01); // START of the ram section

    const loaded = await loadStream(join(dir, 'a.mig'), { machine: MACHINE });
    expect(loaded.status, loaded.stderr).toBe('completed');
    expect(loaded.runstate).toBeDefined();
    expect(loaded.exitCode).toBe(0);
  });

  it('is byte-reproducible with -rtc base=…,clock=vm', async () => {
    const [a, b] = await Promise.all([saveFresh('r1.mig'), saveFresh('r2.mig')]);
    expect(a.length).toBeGreaterThan(100_000);
    expect(a.equals(b)).toBe(true);
  });

  it('reports a rejected stream as failed (QEMU exits by itself) with the reason', async () => {
    const bad = join(dir, 'bad.mig');
    writeFileSync(bad, Buffer.from('QEVM\0\0\0\x02', 'latin1')); // obsolete v2 header
    const loaded = await loadStream(bad, { machine: MACHINE });
    expect(loaded.status).toBe('failed');
    expect(loaded.errorDesc).toMatch(/version|migrat/i);
  });

  it('turns QMP error replies into QmpError naming the command', async () => {
    const vm = await start(MACHINE);
    await expect(vm.qmp('no-such-command')).rejects.toThrow(QmpError);
    await expect(vm.qmp('no-such-command')).rejects.toThrow(/no-such-command/);
    expect(await vm.qmp<{ status: string }>('query-status')).toMatchObject({ status: 'prelaunch' });
    expect(await vm.quit()).toBe(0);
  });

  it('lists machine types', async () => {
    const machines = await listMachines();
    expect(machines.map((m) => m.name)).toContain(MACHINE);
    expect(machines.find((m) => m.name === 'pc')?.aliasOf).toMatch(/^pc-i440fx-/);
    expect(machineRange(machines, 'pc-i440fx')?.newest).toMatch(/^pc-i440fx-\d/);
    const parsed = parseMachineHelp(
      'Supported machines are:\npc-q35-2.12  Standard PC\npc-q35-4.0.1  Standard PC\npc-q35-2.4  Standard PC\n',
    );
    expect(machineRange(parsed, 'pc-q35')).toEqual({ oldest: 'pc-q35-2.4', newest: 'pc-q35-4.0.1' });
  });
});
