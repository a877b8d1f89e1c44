/** Exit codes shared by every command (documented in docs/cli.md). */
export const ExitCode = {
  /** Done; nothing wrong found. */
  ok: 0,
  /** Done, and the answer is "no": errors found, a migration refused, loss refused, UNSAFE outcomes. */
  negative: 1,
  /** Bad arguments, or an input file that cannot be opened or parsed as the expected kind of file. */
  usage: 2,
  /** The input was read but rejected: a MigrationError (truncated, unknown subsection, …). */
  rejected: 3,
  /** A bug in vmstate: an exception that is not a MigrationError. */
  internal: 70,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Thrown by commands for argument and file problems; mapped to exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
