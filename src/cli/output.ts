import { closeSync, createWriteStream, openSync, readSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { blockingStdin } from '../stream/read/source.js';
import type { InputRef } from '../stream/write/atomic-output.js';
import type { WritableSink } from '../stream/write/writer.js';
import { UsageError } from './exit-codes.js';

/**
 * The one way CLI commands write: `-` is stdout, anything else a file written whole or not at all
 * (writeFileAtomic); `-` as an input is stdin. Errors about outputs are usage errors (exit 2).
 */

/** An input as given on the command line, for the same-file check (`-` is stdin, fd 0). */
export function inputRef(arg: string): InputRef {
  return arg === '-' ? 0 : arg;
}

/** Loaded when something is written: commands that only print never load node:crypto and the rest. */
const atomic = () => import('../stream/write/atomic-output.js');

function usage(e: unknown): never {
  if (e instanceof Error && e.name === 'OutputError') throw new UsageError(e.message);
  throw e;
}

/** True for the errors a closed reader (`| head`) gives: the output ends quietly. */
export function isClosedOutput(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/**
 * Writes an output through `fn`: to stdout for `-` (a reader that goes away ends it quietly: the
 * result is then undefined), else atomically to the file, refused when it is one of `inputs`.
 */
export async function writeOutput<T>(
  path: string,
  inputs: readonly InputRef[],
  fn: (sink: WritableSink) => Promise<T>,
): Promise<T | undefined> {
  if (path === '-') {
    try {
      return await fn(process.stdout);
    } catch (e) {
      if (isClosedOutput(e)) return undefined;
      throw e;
    }
  }
  const { writeFileAtomic } = await atomic();
  return writeFileAtomic(path, fn, inputs).catch(usage);
}

/** Writes text to a file atomically (HTML reports and the like). */
export async function writeTextOutput(path: string, text: string, inputs: readonly InputRef[] = []) {
  await writeOutput(path, inputs, async (sink) => {
    sink.write(text);
  });
}

/** Builds a directory and swaps it in (see replaceDirectory); problems are usage errors. */
export async function buildDirectory<T>(
  dir: string,
  inputs: readonly InputRef[],
  marker: string,
  fn: (building: string) => Promise<T>,
): Promise<T> {
  const { replaceDirectory } = await atomic();
  return replaceDirectory(dir, fn, { inputs, marker }).catch(usage);
}

/**
 * An input file for commands that need a file (read twice, or by name): `-` copies stdin into a
 * temporary file (named with `suffix`, removed by `done`); anything else is used as it is.
 */
export async function fileInput(arg: string, suffix = ''): Promise<{ path: string; done(): Promise<void> }> {
  if (arg !== '-') return { path: arg, done: async () => undefined };
  const dir = await mkdtemp(join(tmpdir(), 'vmstate-stdin-'));
  const path = join(dir, `stdin${suffix}`);
  try {
    await spoolStdin(path);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw new UsageError(`cannot read stdin: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { path, done: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Copies stdin into a new file. A pipe or file goes through one reused 1 MiB buffer with blocking
 * reads (a Readable's 64 KiB chunks, each a new Buffer, would raise the peak RSS by tens of MB on
 * a large stream); anything else (a socket, a terminal) through a Readable.
 */
async function spoolStdin(path: string): Promise<void> {
  const stdin = (process.stdin as { fd?: unknown }).fd === 0 ? blockingStdin() : undefined;
  if (!stdin) {
    await pipeline(process.stdin, createWriteStream(path));
    return;
  }
  const out = openSync(path, 'wx');
  try {
    const buf = new Uint8Array(1 << 20);
    for (;;) {
      const n = readSync(stdin.fd, buf, 0, buf.length, null);
      if (n === 0) break;
      for (let at = 0; at < n; ) at += writeSync(out, buf, at, n - at);
    }
  } finally {
    closeSync(out);
    if (stdin.fd !== 0) closeSync(stdin.fd);
  }
}

let guarded = false;

/**
 * Makes a closed stdout or stderr (`| head -1`) end output quietly on every command and on
 * `--help`: Node reports EPIPE as an 'error' event, which would otherwise crash with a trace.
 */
export function quietOnClosedOutput(): void {
  if (guarded) return;
  guarded = true;
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (isClosedOutput(e)) return;
      throw e;
    });
  }
}
