import { createWriteStream } from 'node:fs';

/** Sinks whose late EPIPE errors (emitted after the write that hit them) are already ignored. */
const guarded = new WeakSet<NodeJS.WritableStream>();

/**
 * Writes text pieces to a Writable, waiting when it is full, so output of any size never gathers
 * in memory. A reader that goes away (EPIPE: `| head`) ends the output quietly; false then.
 */
export async function writePieces(sink: NodeJS.WritableStream, pieces: Iterable<string>): Promise<boolean> {
  let gone: NodeJS.ErrnoException | undefined;
  let wake: (() => void) | undefined;
  const onError = (e: NodeJS.ErrnoException) => {
    gone = e;
    wake?.();
  };
  if (!guarded.has(sink)) {
    guarded.add(sink);
    sink.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && sink.listenerCount('error') === 1) throw e;
    });
  }
  sink.on('error', onError);
  try {
    for (const piece of pieces) {
      // Destroyed by an earlier error (its event already gone by): nobody reads any more.
      if (!gone && (sink as { destroyed?: boolean }).destroyed)
        gone = Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
      if (gone) break;
      if (!sink.write(piece)) {
        await new Promise<void>((res) => {
          wake = res;
          sink.once('drain', res);
          sink.once('close', res);
        });
        sink.off('drain', wake as () => void);
        sink.off('close', wake as () => void);
        wake = undefined;
      }
    }
  } finally {
    sink.off('error', onError);
  }
  if (gone && gone.code !== 'EPIPE') throw gone;
  return gone === undefined;
}

/** Writes text pieces to a new file, through a stream (see writePieces). */
export async function writeFilePieces(path: string, pieces: Iterable<string>): Promise<void> {
  const file = createWriteStream(path);
  await writePieces(file, pieces);
  await new Promise<void>((res, rej) => {
    file.once('error', rej);
    file.end(() => res());
  });
}
