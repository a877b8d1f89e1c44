/**
 * `vmstate/qemu`: real QEMU versions side by side (5.2, 7.2, 10.0), a QMP client, VM launch /
 * save / load helpers, and the project's own boot-sector guests. A layer above `compat`.
 */

export {
  GuardError,
  type GuardedMigrateOptions,
  type GuardedMigrationResult,
  type GuardedOutcome,
  guardedMigrate,
  type MigrationProgress,
  progressOf,
} from './guarded-migrate.js';
export { fillRamCode, fillRamGuest } from './guests/fill-ram.js';
export * from './guests/index.js';
export { ltimToggleGuest } from './guests/ltim-toggle.js';
export * from './lab/index.js';
export {
  compareVersions,
  type MachineInfo,
  machineRange,
  machineVersion,
  parseMachineHelp,
} from './machines.js';
export {
  asMigrationStream,
  type CaptureOptions,
  captureDeviceState,
  type DeviceStateCapture,
  machineType,
  machineTypeOf,
  type PreflightOptions,
  type PreflightResult,
  preflight,
  type QmpLink,
  type RunStatus,
  runStatus,
  type Verdict,
} from './preflight.js';
export { hinted, hintedSet } from './preflight-hints.js';
export {
  guardedJson,
  guardedText,
  preflightJson,
  preflightText,
  progressText,
  reasonsText,
  waitSafeJson,
  waitSafeText,
} from './preflight-report.js';
export { installedVersionOf, sourceDescriptions } from './preflight-source.js';
export {
  type LayoutCache,
  layoutCache,
  type SenderVmdesc,
  sectionBody,
  withSenderVmdesc,
} from './preflight-vmdesc.js';
export {
  nextInterval,
  type PauseStats,
  pauseStats,
  preflightUntilLoads,
  type WaitSafeOptions,
  type WaitSafeResult,
} from './preflight-wait.js';
export {
  type QmpArgs,
  QmpClient,
  QmpClosedError,
  type QmpConnectOptions,
  QmpError,
  type QmpEvent,
} from './qmp.js';
export {
  installedVersions,
  isQemuVersion,
  machineTypes,
  parseQemuVersion,
  QEMU_VERSIONS,
  type QemuInstall,
  QemuNotInstalledError,
  type QemuVersionName,
  qemuInstall,
  qemuPrefix,
  reportedVersion,
  requireQemu,
  SYSTEM_MODULE_DIR,
  SYSTEM_QEMU,
  sharedMachineTypes,
} from './versions.js';
export {
  COMMON_ARGS,
  dumpVmstate,
  type Exit,
  type IncomingResult,
  type LoadOptions,
  type LoadResult,
  listMachines,
  loadStream,
  type MigrationInfo,
  migrateIncoming,
  NO_NET_ARGS,
  pollMigration,
  qemuVersionLine,
  RTC_ARGS,
  type SaveOptions,
  type StartVmOptions,
  saveDeviceState,
  saveStream,
  shellQuote,
  startVm,
  type Vm,
  vmArgs,
} from './vm.js';
