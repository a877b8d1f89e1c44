/** Boots a guest on a real QEMU, lets it reach its state, and saves the migration stream. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { QemuVersionName } from '../versions.js';
import { type MigrationInfo, saveStream, startVm, type Vm } from '../vm.js';
import { DONE_ADDRESS, DONE_MARKER } from './asm.js';
import type { Guest } from './guest.js';

export interface RunGuestOptions {
  readonly guest: Guest;
  readonly version: QemuVersionName;
  readonly machine: string;
  /** The guest's floppy image file (see guestImage / writeFloppy). */
  readonly image: string;
  /** Extra devices beyond the guest's own (a cell's device set). */
  readonly devices?: readonly string[];
  /**
   * When to save: `settled` (default) once the guest reached its state, then stopped and saved;
   * `live`: from `liveAfterMs` after start, without stopping (firmware and workload go on running
   * while RAM is copied; QEMU stops the VM only to send the device state at the end).
   */
  readonly when?: 'settled' | 'live';
  /** For `live`: how long after start the migration begins (default 150 ms). */
  readonly liveAfterMs?: number;
  readonly memMiB?: number;
}

/** The QEMU arguments a guest runs with: its devices, then the extra ones. */
export function guestDeviceArgs(guest: Guest, devices: readonly string[] = []): string[] {
  return [...guest.devices, ...devices];
}

/** One byte of guest-physical memory, read through HMP `xp` (the same in 5.2, 7.2 and 10.0). */
export async function readGuestByte(vm: Vm, address: number): Promise<number> {
  const out = await vm.qmp<string>('human-monitor-command', {
    'command-line': `xp /1bx 0x${address.toString(16)}`,
  });
  const m = /:\s*0x([0-9a-f]{2})/i.exec(out);
  if (m?.[1] === undefined) throw new Error(`unexpected HMP xp output: ${JSON.stringify(out)}`);
  return Number.parseInt(m[1], 16);
}

/** Waits until the guest wrote DONE_MARKER (or, without a marker, `settleMs`). Throws on timeout. */
export async function waitForDone(vm: Vm, guest: Guest): Promise<void> {
  if (!guest.marker) {
    await sleep(guest.settleMs);
    return;
  }
  const deadline = Date.now() + guest.settleMs;
  for (;;) {
    if ((await readGuestByte(vm, DONE_ADDRESS)) === DONE_MARKER) return;
    if (Date.now() > deadline) {
      throw new Error(`guest ${guest.name} did not reach its state within ${guest.settleMs} ms`);
    }
    await sleep(50);
  }
}

/**
 * Starts the VM running, waits for the state (`settled`: stops it, so the saved state is the one
 * reached; `live`: migrates it while it runs) and saves it to `file`. The VM is ended
 * whatever happens.
 */
export async function saveGuest(options: RunGuestOptions, file: string): Promise<MigrationInfo> {
  const vm: Vm = await startVm({
    machine: options.machine,
    version: options.version,
    floppy: options.image,
    paused: false,
    ...(options.memMiB === undefined ? {} : { memMiB: options.memMiB }),
    extraArgs: guestDeviceArgs(options.guest, options.devices),
  });
  try {
    if (options.when === 'live') {
      await sleep(options.liveAfterMs ?? 150);
    } else {
      await waitForDone(vm, options.guest);
      await vm.qmp('stop');
    }
    const info = await saveStream(vm, file);
    if (info.status !== 'completed') {
      throw new Error(`QEMU ${options.version} did not save: ${info['error-desc'] ?? vm.stderr()}`);
    }
    await vm.quit();
    return info;
  } finally {
    await vm.kill();
  }
}
