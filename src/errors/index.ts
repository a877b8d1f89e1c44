export {
  type ForeseeableLoadFailure,
  formatIssue,
  formatPath,
  type Issue,
  type IssueCode,
  type PathSegment,
} from './issue.js';
export { asMigrationError, fail, MigrationError } from './migration-error.js';
