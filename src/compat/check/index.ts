export {
  type CheckOptions,
  type CheckReport,
  checkCompatibility,
  checkReportJson,
  type DirectionOption,
  directionsOf,
} from './check.js';
export type {
  DumpDescriptionJson,
  DumpFieldJson,
  DumpMachineJson,
  DumpSectionJson,
  VmstateDumpJson,
} from './dump-json.js';
export type { Direction, Finding, FindingCode, Severity } from './finding.js';
export { fromDumpVmstate } from './from-dump.js';
export { type DumpOptions, dumpDescriptions, fromDescriptions } from './from-module.js';
export {
  checkInputs,
  dumpModule,
  type InputOptions,
  loadDescriptionSet,
  loadModuleSections,
} from './load.js';
export type {
  CheckDescription,
  CheckField,
  CheckSection,
  CheckSubsection,
  DescriptionSet,
  Sent,
} from './model.js';
export * from './stream/index.js';
export { formatCheckText, type TextOptions } from './text.js';
