import { MigrationError } from '../../src/errors/index.js';

export type Outcome =
  | { ok: unknown }
  | { code: string; path: readonly (string | number)[]; offset: number | undefined };

/** What a call returned, or the code, path and offset of the MigrationError it threw. */
export function outcome(f: () => unknown): Outcome {
  try {
    return { ok: f() };
  } catch (e) {
    if (!(e instanceof MigrationError)) throw e;
    const issue = e.issues[0];
    return { code: e.code, path: issue?.path ?? [], offset: issue?.offset };
  }
}
