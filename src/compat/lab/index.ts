export { type ArbitraryOptions, arbitraryFor, VALUE_CLASSES, type ValueClass } from './arbitrary.js';
export { checkEquivalence, type EquivalenceOptions, type EquivalenceResult } from './equivalence.js';
export { type ExpectMigrationsOptions, expectMigrationsSafe, MigrationsUnsafeError } from './expect.js';
export {
  checkNeededHonesty,
  checkVersionsHonesty,
  type DishonestExample,
  type HonestyFinding,
  type HonestyOptions,
} from './honesty.js';
export { MARKS, OUTCOME_COLOURS, renderLabHtml } from './html.js';
export { hasUnsafe, type LabOptions, type LabReport, runLab } from './lab.js';
export {
  type Counterexample,
  chainsThrough,
  type MatrixCell,
  type MatrixOptions,
  type MatrixReport,
  runMatrix,
  worstOutcome,
} from './matrix.js';
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
export { cellLabel, diffLines, formatLabText, pairVerdict } from './text.js';
export { arbitraryFromTrace, type Trace, TraceRecorder, type TraceStep } from './trace.js';
export {
  compactJson,
  pathText,
  printable,
  reviveTraceJson,
  sameValue,
  shown,
  traceJsonReplacer,
} from './values.js';
export { arbitraryForVersion, type VersionArbitraryOptions } from './version-arbitrary.js';
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
