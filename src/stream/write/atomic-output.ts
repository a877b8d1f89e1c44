import { randomBytes } from 'node:crypto';
import { createWriteStream, fstatSync, type Stats, statSync } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { WritableSink } from './writer.js';

/**
 * Outputs that never lose a file: a file is written to a temporary name in its destination's
 * directory, flushed to disk and renamed over the destination only once it is complete; a
 * directory is built beside its destination and swapped in. Whatever fails (an error, a refusal,
 * `kill -9`) leaves the destination as it was.
 */

/** Why an output cannot be written; the CLI reports it as a usage problem (exit 2). */
export class OutputError extends Error {
  override readonly name = 'OutputError';
}

/** An input as the same-file check needs it: a path, or a file descriptor (`0` for stdin). */
export type InputRef = string | number;

function identity(s: Stats): string {
  return `${s.dev}:${s.ino}`;
}

function statOf(input: InputRef): Stats | undefined {
  try {
    return typeof input === 'number' ? fstatSync(input) : statSync(input);
  } catch {
    return undefined;
  }
}

/** Refuses an output that is one of the inputs (same device and inode), whatever its name. */
export function refuseSameFile(output: string, inputs: readonly InputRef[]): void {
  const out = statOf(output);
  if (!out) return;
  for (const input of inputs) {
    const s = statOf(input);
    if (s?.isFile() && identity(s) === identity(out)) {
      throw new OutputError(
        `${output} is the same file as the input ${typeof input === 'number' ? '(stdin)' : input}: write to another file`,
      );
    }
  }
}

function tempName(path: string, tag: string): string {
  return join(dirname(path), `.${basename(path)}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Flushes a file (or a directory's entries) to disk, so a rename never publishes a hole. */
async function syncFile(path: string): Promise<void> {
  try {
    const fh = await open(path, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Not every file system lets a directory be opened or synced; the rename itself stands.
  }
}

/**
 * Writes `path` through `fn`: into a new temporary file beside it, fsynced, then renamed over
 * `path`. If `fn` throws, the temporary file is removed and `path` is untouched. An existing
 * file keeps its permissions. `inputs` are checked first: writing over one of them is refused.
 */
export async function writeFileAtomic<T>(
  path: string,
  fn: (sink: WritableSink) => Promise<T>,
  inputs: readonly InputRef[] = [],
): Promise<T> {
  refuseSameFile(path, inputs);
  const existing = statOf(path);
  if (existing?.isDirectory()) throw new OutputError(`${path} is a directory`);
  const temp = tempName(path, 'tmp');
  const sink = createWriteStream(temp, { flags: 'wx', mode: existing ? existing.mode & 0o7777 : 0o666 });
  let done = false;
  try {
    await new Promise<void>((res, rej) => {
      sink.once('open', () => res());
      sink.once('error', (e) =>
        rej(new OutputError(`cannot write ${path}: ${e instanceof Error ? e.message : String(e)}`)),
      );
    });
    const result = await fn(sink);
    await new Promise<void>((res, rej) => {
      sink.once('error', rej);
      sink.end(() => res());
    });
    await syncFile(temp);
    if (existing) await chmod(temp, existing.mode & 0o7777).catch(() => undefined);
    await rename(temp, path);
    done = true;
    await syncFile(dirname(resolve(path)));
    return result;
  } finally {
    if (!done) {
      sink.destroy();
      await rm(temp, { force: true });
    }
  }
}

/** Whether `inner` is `outer` or lies under it. */
function within(outer: string, inner: string): boolean {
  const r = relative(resolve(outer), resolve(inner));
  return r === '' || (!r.startsWith(`..${sep}`) && r !== '..' && !r.startsWith(sep));
}

/**
 * Builds the directory `dir` through `fn` (handed a new, empty directory beside it) and swaps it
 * in when `fn` succeeds; on failure the new directory is removed and `dir` is untouched. An
 * existing `dir` is replaced only when it is empty or holds `marker` (an earlier output of the
 * same kind): anything else might be someone's files. An input inside `dir` is refused.
 */
export async function replaceDirectory<T>(
  dir: string,
  fn: (building: string) => Promise<T>,
  options: { inputs?: readonly InputRef[]; marker?: string } = {},
): Promise<T> {
  for (const input of options.inputs ?? []) {
    if (typeof input === 'string' && within(dir, input)) {
      throw new OutputError(`the input ${input} is inside ${dir}, which would be replaced`);
    }
  }
  const existing = await lstat(dir).catch(() => undefined);
  if (existing) {
    if (!existing.isDirectory()) throw new OutputError(`${dir} exists and is not a directory`);
    const names = await readdir(dir);
    if (names.length > 0 && !(options.marker !== undefined && names.includes(options.marker))) {
      throw new OutputError(
        `${dir} is not empty and holds no ${options.marker ?? 'earlier output'}: choose a new or empty directory`,
      );
    }
  }
  const parent = dirname(resolve(dir));
  try {
    await mkdir(parent, { recursive: true });
  } catch (e) {
    throw new OutputError(`cannot create ${dir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const building = tempName(resolve(dir), 'new');
  try {
    await mkdir(building);
  } catch (e) {
    throw new OutputError(`cannot create ${dir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let result: T;
  try {
    result = await fn(building);
  } catch (e) {
    await rm(building, { recursive: true, force: true });
    throw e;
  }
  // Two renames: the old directory stays whole until the new one is in place.
  const old = existing ? tempName(resolve(dir), 'old') : undefined;
  if (old) await rename(dir, old);
  try {
    await rename(building, dir);
  } catch (e) {
    if (old) await rename(old, dir);
    await rm(building, { recursive: true, force: true });
    throw new OutputError(`cannot replace ${dir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (old) await rm(old, { recursive: true, force: true });
  await syncFile(parent);
  return result;
}
