/**
 * Test harness that drives a real QEMU over QMP: a thin layer over the library in `src/qemu/`
 * (QMP client, VM helpers, versions), kept so that existing tests and scripts import one place.
 * 7.2 (the system's, or `$QEMU`) is the default version everywhere here.
 */
import { qemuInstall, qemuVersionLine, requireQemu, SYSTEM_QEMU } from '../../src/qemu/index.js';

export {
  COMMON_ARGS,
  compareVersions,
  dumpVmstate,
  type LoadOptions,
  type LoadResult,
  listMachines,
  loadStream,
  type MachineInfo,
  type MigrationInfo,
  machineRange,
  machineVersion,
  NO_NET_ARGS,
  parseMachineHelp,
  type QmpArgs,
  QmpClient,
  QmpClosedError,
  type QmpConnectOptions,
  QmpError,
  RTC_ARGS,
  type SaveOptions,
  type StartVmOptions,
  saveStream,
  shellQuote,
  startVm,
  type Vm,
  vmArgs,
} from '../../src/qemu/index.js';

/** Default binary path (Debian's qemu-system-x86 package). */
export const DEFAULT_QEMU = SYSTEM_QEMU;

/** Path of the QEMU 7.2 binary: `$QEMU`, else `/usr/bin/qemu-system-x86_64`. */
export function qemuBinary(): string {
  return qemuInstall('7.2').binary;
}

/** Throws (QemuNotInstalledError, naming how to install it) when QEMU 7.2 is missing; returns its path. */
export function assertQemu(): string {
  return requireQemu('7.2').binary;
}

/** First line of `qemu-system-x86_64 --version` (7.2). */
export function qemuVersion(): Promise<string> {
  return qemuVersionLine('7.2');
}
