import { fstatSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { blockingStdin, type StreamSource } from '../stream/read/source.js';
import { UsageError } from './exit-codes.js';

/** Checks a stream argument: `-` is stdin, anything else must be a readable file. */
export async function streamArg(path: string): Promise<{ source: StreamSource; size: number | undefined }> {
  if (path === '-') {
    // `< FILE` gives stdin a size (and a progress bar a total); a pipe has none.
    let size: number | undefined;
    try {
      const s = fstatSync(0);
      if (s.isFile()) size = s.size;
    } catch {
      // No stdin to stat: the reader reports what is wrong with it.
    }
    const stdin = process.stdin;
    // The real stdin (a pipe or a file) is read with blocking reads in large chunks; anything else
    // (a socket, a terminal, a stand-in) as a Readable.
    const fd = (stdin as { fd?: unknown }).fd === 0 ? blockingStdin() : undefined;
    return { source: fd ?? stdin, size };
  }
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new UsageError(`${path} is not a file`);
    return { source: path, size: s.size };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
