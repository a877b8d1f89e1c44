import { closeSync, openSync, writeSync } from 'node:fs';
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
