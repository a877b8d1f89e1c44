export { defaultCacheDir, LabArtifacts } from './artifacts.js';
export {
  allPairs,
  cellId,
  enumerateCells,
  type LabCell,
  type LabMatrix,
  pairMachines,
  parseShard,
  type Shard,
  shardCells,
  WHENS,
  type When,
} from './cells.js';
export { DEVICE_SETS, type DeviceSet, deviceSetByName } from './device-sets.js';
export { type LabHtmlOptions, renderLabQemuHtml } from './html.js';
export { type CellOutcome, OUTCOME_COLOURS, OUTCOME_MEANING, outcomeOf } from './outcome.js';
export { mapBounded } from './pool.js';
export { type LabPreset, PRESETS } from './presets.js';
export {
  disagreements,
  flaggedByCheck,
  LAB_REPORT_FORMAT,
  type LabQemuReport,
  type LabSummary,
  mergeReports,
  parseReport,
  summarize,
} from './report.js';
export type {
  CellResult,
  ConvertSide,
  QemuSide,
  RoundTripSide,
  SilentChange,
  Verdict,
  VmstateSide,
} from './result.js';
export { compareRoundTrip } from './roundtrip.js';
export { plannedCells, type QemuLabOptions, runQemuLab } from './run.js';
export { type CellOptions, qemuWords, runCell } from './run-cell.js';
export { formatLabQemuText, formatSummaryMarkdown, formatSummaryTable } from './text.js';
