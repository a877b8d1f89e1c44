export { type BreakKind, Broken, Channel } from './channel.js';
export { type DestinationOptions, MigrationDestination, type Staged } from './destination.js';
export { type ByteDuplex, type DuplexStream, type MemoryLink, memoryPair, socketDuplex } from './duplex.js';
export { type MigrationFinding, type Preflight, preflight, reasonOf } from './findings.js';
export { FRAME_HEADER, FrameKind, FrameParser, type FrameSink, frameHeader, MAX_FRAME } from './frames.js';
export { type DirtySet, forEachDirty, TrackedMemory, type TrackedMemoryOptions } from './memory.js';
export { type ControlMessage, type Decision, type MemoryLayout, PROTOCOL } from './messages.js';
export { RAM_SECTION, RamLoader, writeRamPass, writeRamStart } from './ram.js';
export {
  DEFAULT_TIMEOUTS,
  type DestinationReport,
  type Phase,
  type Progress,
  type SourceReport,
  type Timeouts,
} from './report.js';
export { deliverOutcome } from './resolve.js';
export { type LiveSource, migrateSource, type SourceOptions } from './source.js';
