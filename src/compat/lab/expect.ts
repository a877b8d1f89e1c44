import { type MatrixCell, type MatrixOptions, type MatrixReport, runMatrix } from './matrix.js';
import { formatLabText } from './text.js';
import type { VersionSet } from './versions.js';

export interface ExpectMigrationsOptions extends MatrixOptions {
  /**
   * Accept `refused` outcomes (default true). With false, every migration between versions under a
   * machine type both support must load: the QEMU goal that compat properties make old machine
   * types migrate both ways.
   */
  allowRefusedWithinMachine?: boolean;
}

/** Thrown by {@link expectMigrationsSafe}; `report` holds the whole matrix. */
export class MigrationsUnsafeError extends Error {
  override readonly name = 'MigrationsUnsafeError';

  constructor(
    message: string,
    readonly report: MatrixReport,
    readonly cells: readonly MatrixCell[],
  ) {
    super(message);
  }
}

/**
 * One call for a test suite: runs the matrix and throws a {@link MigrationsUnsafeError} naming
 * every cell with an UNSAFE or crash outcome (or, with `allowRefusedWithinMachine: false`, a
 * refusal), each with its shrunk counterexample. Works with any test runner.
 *
 * ```ts
 * it('every release migrates safely', () => expectMigrationsSafe(versions));
 * ```
 */
export function expectMigrationsSafe(set: VersionSet, options: ExpectMigrationsOptions = {}): MatrixReport {
  const report = runMatrix(set, options);
  const allowRefused = options.allowRefusedWithinMachine ?? true;
  const failing = [...report.pairs, ...report.chains].filter(
    (c) => c.counts.unsafe > 0 || c.counts.crash > 0 || (!allowRefused && c.counts.refused > 0),
  );
  if (failing.length === 0) return report;
  const text = formatLabText({
    matrix: {
      ...report,
      pairs: failing.filter((c) => c.route.length === 2),
      chains: failing.filter((c) => c.route.length > 2),
    },
    honesty: [],
  });
  throw new MigrationsUnsafeError(
    `${failing.length} migration cell(s) are not safe${allowRefused ? '' : ' or refuse'} (seed ${report.seed}):\n${text}`,
    report,
    failing,
  );
}
