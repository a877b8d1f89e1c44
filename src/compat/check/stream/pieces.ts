import { closeSync, openSync, writeSync } from 'node:fs';
import type { WritableSink } from '../../../stream/index.js';
import type { PositionalInput } from './positional.js';
import type { Piece } from './splice.js';

const CHUNK = 1 << 20;

/**
 * The pieces' bytes in chunks of at most 1 MiB, runs of the input read as they are needed. With
 * `reuse`, runs of a file are read into two buffers in turn: a chunk is valid until the next but
 * one (for a writer that waits for each write before handing over the one after).
 */
export function* chunksOf(
  input: PositionalInput,
  pieces: readonly Piece[],
  reuse = false,
): Generator<Uint8Array> {
  const buffers = reuse ? [new Uint8Array(CHUNK), new Uint8Array(CHUNK)] : [];
  let turn = 0;
  for (const p of pieces) {
    if (p instanceof Uint8Array) {
      if (p.length > 0) yield p;
      continue;
    }
    for (let at = p.start; at < p.end; at += CHUNK) {
      turn ^= 1;
      yield input.read(at, Math.min(p.end, at + CHUNK), buffers[turn]);
    }
  }
}

/** The pieces as one array (for a stream given as bytes, which is in memory already). */
export function concatPieces(input: PositionalInput, pieces: readonly Piece[]): Uint8Array {
  return Buffer.concat([...chunksOf(input, pieces)]);
}

/** Writes the pieces to a new file. */
export function writePiecesToFile(input: PositionalInput, pieces: readonly Piece[], path: string): void {
  const fd = openSync(path, 'wx');
  try {
    for (const chunk of chunksOf(input, pieces, true)) {
      for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at);
    }
  } finally {
    closeSync(fd);
  }
}

function writeOne(sink: WritableSink, chunk: Uint8Array): Promise<void> {
  return new Promise<void>((res, rej) => {
    const onClose = () => rej(Object.assign(new Error('the output was closed'), { code: 'EPIPE' }));
    sink.once('close', onClose);
    sink.write(chunk, (e) => {
      sink.off('close', onClose);
      if (e) rej(e);
      else res();
    });
  });
}

/**
 * Writes chunks to a Writable one at a time, the next read while one is written (each write is
 * complete before the chunk after the next is asked for): memory holds two chunks, whatever the size. A sink that fails or closes (EPIPE) ends the write with its error.
 */
export async function writeChunks(chunks: Iterable<Uint8Array>, sink: WritableSink): Promise<void> {
  let failed: Error | undefined;
  const onError = (e?: Error) => {
    failed ??= e;
  };
  sink.on('error', onError);
  try {
    let inFlight: Promise<void> | undefined;
    for (const chunk of chunks) {
      if (inFlight) await inFlight;
      if (failed) throw failed;
      inFlight = writeOne(sink, chunk);
      // Observed at the next turn or at the end; not left unhandled meanwhile.
      inFlight.catch(() => undefined);
    }
    await inFlight;
    if (failed) throw failed;
  } finally {
    sink.off('error', onError);
  }
}
