/**
 * The lab's half that needs no fast-check: released versions, migration along a route, preflight,
 * prevalence, shapes and values. `vmstate/compat` exports it beside the checker; the property-testing
 * half (arbitraries, matrix, equivalence, honesty, reports) is `vmstate/lab` (./index.ts).
 */
export {
  compareStates,
  type Failure,
  type MigrationResult,
  migrateAlong,
  OUTCOMES,
  type Outcome,
} from './migrate.js';
export {
  type PredicateCoverage,
  type PredicateKind,
  type PredicateVisitor,
  visitPredicates,
  visitSection,
} from './predicates.js';
export { canMigrate, type Preflight, type PreflightIssue, type Route } from './preflight.js';
export {
  type DestinationRisk,
  type PrevalenceReport,
  prevalence,
  type Stretch,
  type SubsectionPrevalence,
} from './prevalence.js';
export {
  type Difference,
  differences,
  firstDifference,
  type Shape,
  shapeOf,
  unrepresented,
} from './shape.js';
export { wilsonInterval } from './stats.js';
export { type Trace, TraceRecorder, type TraceStep } from './trace-record.js';
export {
  compactJson,
  pathText,
  printable,
  reviveTraceJson,
  sameValue,
  shown,
  traceJsonReplacer,
} from './values.js';
export {
  defineVersions,
  type ReleasedVersion,
  type ReleasedVersionSpec,
  type SectionEntry,
  type SectionSpec,
  sharedMachines,
  type VersionSet,
  type VersionState,
} from './versions.js';
