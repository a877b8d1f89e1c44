/** Boots a guest on a real QEMU, lets it reach its state, and saves the migration stream. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { QemuVersionName } from '../versions.js';
import { type MigrationInfo, saveStream, startVm, type Vm } from '../vm.js';
import type { Guest } from './guest.js';

export interface RunGuestOptions {
  readonly guest: Guest;
  readonly version: QemuVersionName;
  readonly machine: string;
  /** The guest's floppy image file (see guestImage / writeFloppy). */
  readonly image: string;
  /** Extra devices beyond the guest's own (a cell's device set). */
  readonly devices?: readonly string[];
  /** How long it runs before the save: default the guest's settleMs. */
  readonly runMs?: number;
  readonly memMiB?: number;
}

/** The QEMU arguments a guest runs with: its devices, then the extra ones. */
export function guestDeviceArgs(guest: Guest, devices: readonly string[] = []): string[] {
  return [...guest.devices, ...devices];
}

/**
 * Starts the VM running, waits, stops it (so the saved state is the one reached, not a moving
 * one) and saves it to `file`. The VM is ended whatever happens.
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
    await sleep(options.runMs ?? options.guest.settleMs);
    await vm.qmp('stop');
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
