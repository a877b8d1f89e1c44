/**
 * `vmstate/lab`: the compatibility lab, with property testing. It needs the optional peer fast-check
 * (and vega + vega-lite for the charts of its HTML report).
 */

export { type ArbitraryOptions, arbitraryFor, VALUE_CLASSES, type ValueClass } from './arbitrary.js';
export * from './core.js';
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
export { cellLabel, diffLines, formatLabText, pairVerdict } from './text.js';
export { arbitraryFromTrace } from './trace.js';
export { arbitraryForVersion, type VersionArbitraryOptions } from './version-arbitrary.js';
