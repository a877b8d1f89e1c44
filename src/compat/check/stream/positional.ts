import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';

/**
 * A stream given to `check STREAM DEST` or `convert --to DUMP`: its bytes, or the path of a file
 * holding it. A file is never read whole: the reader streams it once, and the check reads each
 * section's bytes back by offset.
 */
export type StreamInput = Uint8Array | string;

/** Random access to a stream's bytes by absolute offset. */
export interface PositionalInput {
  readonly size: number;
  /**
   * Bytes `[start, end)`, both within `0..size`: a new array, or the start of `into` when given and
   * large enough (for bytes, always a view of them).
   */
  read(start: number, end: number, into?: Uint8Array): Uint8Array;
  close(): void;
}

function bytesInput(bytes: Uint8Array): PositionalInput {
  return { size: bytes.length, read: (start, end) => bytes.subarray(start, end), close: () => undefined };
}

function fileInput(path: string): PositionalInput {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    return {
      size,
      read(start, end, into) {
        const out =
          into && into.length >= end - start ? into.subarray(0, end - start) : new Uint8Array(end - start);
        let got = 0;
        while (got < out.length) {
          const n = readSync(fd, out, got, out.length - got, start + got);
          if (n === 0) break; // the file shrank under us: the rest reads as zeros
          got += n;
        }
        return out;
      },
      close: () => closeSync(fd),
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Opens a stream input for positional reads; `close()` releases a file. */
export function openPositional(input: StreamInput): PositionalInput {
  return typeof input === 'string' ? fileInput(input) : bytesInput(input);
}

/** The size of a stream input. */
export function inputSize(input: StreamInput): number {
  return typeof input === 'string' ? statSync(input).size : input.length;
}

/** Bytes read back from a file per miss: a section body and its neighbours, usually. */
const WINDOW = 1 << 16;

/**
 * The stream's bytes by absolute offset, the way the check reads them (a byte, or a run of bytes),
 * through one window of the file at a time: memory holds a window, not the stream. Reads behave
 * like indexing and `subarray` on the whole stream's bytes (undefined past the end, runs clamped).
 * Returned runs are never overwritten (each window is a new buffer).
 */
export class StreamBytes {
  private buf: Uint8Array = new Uint8Array(0);
  private base = 0;

  constructor(
    private readonly input: PositionalInput,
    private readonly window = WINDOW,
  ) {}

  get length(): number {
    return this.input.size;
  }

  byte(at: number): number | undefined {
    const k = at - this.base;
    if (k >= 0 && k < this.buf.length) return this.buf[k];
    if (!Number.isInteger(at) || at < 0 || at >= this.input.size) return undefined;
    this.load(at, at + 1);
    return this.buf[at - this.base];
  }

  subarray(start: number, end: number): Uint8Array {
    const size = this.input.size;
    const s = Math.min(Math.max(start, 0), size);
    const e = Math.min(Math.max(end, s), size);
    if (s >= this.base && e <= this.base + this.buf.length) {
      return this.buf.subarray(s - this.base, e - this.base);
    }
    // A run longer than a window is read on its own and not kept.
    if (e - s > this.window) return this.input.read(s, e);
    this.load(s, e);
    return this.buf.subarray(s - this.base, e - this.base);
  }

  private load(start: number, end: number): void {
    this.base = start;
    this.buf = this.input.read(start, Math.min(this.input.size, Math.max(end, start + this.window)));
  }
}
