/**
 * Loading code the package does not ship: a user's module (descriptions, versions, traces) and the
 * optional peer dependencies (fast-check, vega, tsx). One place, so that every caller says the same
 * thing when a file is unreadable, a module fails to load, or a peer is not installed.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Why a module could not be loaded: `unreadable` (no such file), `failed` (it threw or did not parse), `missing-peer`. */
export type ModuleLoadFailure = 'unreadable' | 'failed' | 'missing-peer';

/** A module, or an optional dependency, that could not be loaded; `message` is one line for people. */
export class ModuleLoadError extends Error {
  override readonly name = 'ModuleLoadError';
  constructor(
    readonly failure: ModuleLoadFailure,
    /** The user's file, or the missing package's name. */
    readonly target: string,
    message: string,
  ) {
    super(message);
  }
}

const TS_EXTENSION = /\.[mc]?ts$/i;

/** One line: the loader's messages (esbuild's, for a syntax error) span several. */
const oneLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');

function isMissingPackage(e: unknown, name: string): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    e instanceof Error &&
    e.message.includes(`'${name}`)
  );
}

/**
 * Runs `load` (a literal `import('name')`, so that bundlers still see the dependency) and turns
 * "package not found" into a {@link ModuleLoadError} that says what needs it and how to install it.
 */
export async function importPeer<T>(name: string, purpose: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    if (!isMissingPackage(e, name)) throw e;
    throw new ModuleLoadError(
      'missing-peer',
      name,
      `${purpose} needs the optional package ${name}, which is not installed: npm install ${name}`,
    );
  }
}

interface TsxApi {
  tsImport(specifier: string, parentURL: string): Promise<Record<string, unknown>>;
}

/**
 * Imports the user's module at `file` (relative to the working directory). A `.ts`/`.mts`/`.cts`
 * file the running Node cannot load by itself (the installed CLI, not `tsx` or vitest) is loaded
 * through tsx's API, an optional peer: registered only then, so the core install stays small.
 */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  // Say "cannot read" for a missing file, not the module loader's "imported from <our file>".
  try {
    if (!(await stat(file)).isFile()) throw new Error('not a file');
  } catch (e) {
    throw new ModuleLoadError('unreadable', file, `cannot read ${file}: ${oneLine(e)}`);
  }
  const url = pathToFileURL(resolve(file)).href;
  try {
    return (await import(url)) as Record<string, unknown>;
  } catch (e) {
    const unknownExtension = (e as { code?: unknown } | null)?.code === 'ERR_UNKNOWN_FILE_EXTENSION';
    if (!(unknownExtension && TS_EXTENSION.test(file))) {
      throw new ModuleLoadError('failed', file, `cannot load module ${file}: ${oneLine(e)}`);
    }
  }
  const tsx = await importPeer(
    'tsx',
    `loading the TypeScript module ${file} (or compile it to .js)`,
    () => import('tsx/esm/api') as Promise<TsxApi>,
  );
  try {
    return await tsx.tsImport(url, import.meta.url);
  } catch (e) {
    throw new ModuleLoadError('failed', file, `cannot load module ${file}: ${oneLine(e)}`);
  }
}
