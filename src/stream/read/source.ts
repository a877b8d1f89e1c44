import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { fail } from '../../errors/index.js';

/**
 * A file descriptor open for reading with blocking reads (a file, or a pipe such as
 * `blockingStdin()`): read in large chunks straight into the reader's buffers.
 */
export interface FdSource {
  readonly fd: number;
}

/** Anything the reader accepts: a file path, bytes, a Node Readable (file, pipe, socket), chunks, an fd. */
export type StreamSource =
  | string
  | Uint8Array
  | FdSource
  | NodeJS.ReadableStream
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>;

const CHUNK = 1 << 20;

/**
 * Chunks read synchronously from a file descriptor, into two buffers used in turn: no allocation
 * per chunk (no garbage to collect), no thread-pool round trip per read, and from a pipe a whole
 * chunk per turn however small the pipe's own reads are. A chunk stays valid until the next but
 * one: the window the reader holds is never the buffer being read into.
 */
class FdChunks implements Iterator<Uint8Array> {
  private readonly bufs = [new Uint8Array(CHUNK), new Uint8Array(CHUNK)];
  private turn = 0;
  private ended = false;

  private fd: number | undefined;

  /** A path is opened at the first read (and closed at the end); a number is used as it is. */
  constructor(private readonly input: string | number) {
    if (typeof input === 'number') this.fd = input;
  }

  next(): IteratorResult<Uint8Array> {
    if (this.ended) return { done: true, value: undefined };
    this.fd ??= openSync(this.input as string, 'r');
    const buf = this.bufs[this.turn] as Uint8Array;
    this.turn ^= 1;
    let n = 0;
    while (n < buf.length) {
      const got = readSync(this.fd, buf, n, buf.length - n, null);
      if (got === 0) {
        this.ended = true;
        break;
      }
      n += got;
    }
    if (n === 0) return { done: true, value: undefined };
    return { done: false, value: buf.subarray(0, n) };
  }

  return(): IteratorResult<Uint8Array> {
    this.ended = true;
    if (typeof this.input === 'string' && this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    return { done: true, value: undefined };
  }
}

/**
 * Standard input as a blocking file descriptor when it is a pipe or a file, or undefined (a
 * socket, a terminal, no /proc). Node makes fd 0 non-blocking once `process.stdin` is touched; a
 * pipe opened again through /proc is a new open file description, blocking, over the same pipe.
 */
export function blockingStdin(): FdSource | undefined {
  try {
    const s = fstatSync(0);
    if (s.isFile()) return { fd: 0 };
    if (!s.isFIFO()) return undefined;
    return { fd: openSync('/proc/self/fd/0', 'r') };
  } catch {
    return undefined;
  }
}

function toIterator(source: StreamSource): AsyncIterator<Uint8Array> | Iterator<Uint8Array> {
  if (typeof source === 'string') return new FdChunks(source);
  if (source instanceof Uint8Array) return [source][Symbol.iterator]();
  if ('fd' in source && typeof source.fd === 'number' && !('read' in source)) return new FdChunks(source.fd);
  if (Symbol.asyncIterator in source) {
    return (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  }
  if (Symbol.iterator in source) return (source as Iterable<Uint8Array>)[Symbol.iterator]();
  return fail('other', 'unsupported stream source: expected a path, bytes, a Readable or an iterable');
}

/**
 * A rolling window over an input that arrives in chunks. Memory holds the unread tail of the last
 * chunks plus whatever the largest single request needed; it never holds the whole input.
 * Offsets are absolute (from the start of the input).
 */
export class ByteSource {
  /** The window: `buf[pos..end)` are buffered, unread bytes. */
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;
  /** Absolute offset of `buf[0]`. */
  private base = 0;
  /** False while `buf` is a chunk handed over by the source (never written into). */
  private owned = false;
  private readonly it: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  /** True once the source has no more chunks. */
  done = false;

  constructor(source: StreamSource) {
    this.it = toIterator(source);
  }

  /** Absolute offset of the next unread byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  get available(): number {
    return this.end - this.pos;
  }

  /** Buffers at least `n` unread bytes if the input has them; false when it ends first. */
  async fill(n: number): Promise<boolean> {
    while (this.end - this.pos < n && !this.done) {
      let r: IteratorResult<Uint8Array>;
      try {
        // A synchronous source (bytes, an fd) is not awaited: no microtask turn per chunk.
        const next = this.it.next();
        r = next instanceof Promise ? await next : next;
      } catch (e) {
        return fail('other', `reading the input failed: ${e instanceof Error ? e.message : String(e)}`, {
          offset: this.offset + this.available,
        });
      }
      if (r.done) {
        this.done = true;
        break;
      }
      const value = r.value;
      if (!(value instanceof Uint8Array)) {
        return fail('other', 'the input yielded something other than bytes', { offset: this.offset });
      }
      // A plain view: Buffer#slice does not copy, Uint8Array#slice does (decoded state must not alias).
      const chunk = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      if (chunk.length > 0) this.append(chunk);
    }
    return this.end - this.pos >= n;
  }

  /** Like `fill`, but a short input is a `truncated` MigrationError naming `path`. */
  async need(n: number, path: readonly (string | number)[], what: string): Promise<void> {
    if (this.end - this.pos >= n) return;
    if (await this.fill(n)) return;
    fail('truncated', `the input ends inside ${what}: ${n} byte(s) needed, ${this.available} left`, {
      offset: this.offset,
      path,
      details: { needed: n, available: this.available },
    });
  }

  private append(chunk: Uint8Array): void {
    const live = this.end - this.pos;
    if (live === 0) {
      // Nothing pending: take the chunk as the window (no copy).
      this.base += this.end;
      this.buf = chunk;
      this.pos = 0;
      this.end = chunk.length;
      this.owned = false;
      return;
    }
    if (this.owned && this.end + chunk.length <= this.buf.length) {
      this.buf.set(chunk, this.end);
      this.end += chunk.length;
      return;
    }
    const needed = live + chunk.length;
    let target: Uint8Array;
    if (this.owned && needed <= this.buf.length) target = this.buf;
    else {
      let size = Math.max(CHUNK, this.owned ? this.buf.length : 0);
      while (size < needed) size *= 2;
      target = new Uint8Array(size);
    }
    if (target === this.buf) target.copyWithin(0, this.pos, this.end);
    else target.set(this.buf.subarray(this.pos, this.end), 0);
    this.base += this.pos;
    this.buf = target;
    this.pos = 0;
    this.end = live;
    this.owned = true;
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  u8(): number {
    return this.buf[this.pos++] as number;
  }

  u32(): number {
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (
      (((b[p] as number) << 24) |
        ((b[p + 1] as number) << 16) |
        ((b[p + 2] as number) << 8) |
        (b[p + 3] as number)) >>>
      0
    );
  }

  u16(): number {
    const b = this.buf;
    const p = this.pos;
    this.pos = p + 2;
    return ((b[p] as number) << 8) | (b[p + 1] as number);
  }

  peekU32(ahead: number): number {
    const b = this.buf;
    const p = this.pos + ahead;
    return (
      (((b[p] as number) << 24) |
        ((b[p + 1] as number) << 16) |
        ((b[p + 2] as number) << 8) |
        (b[p + 3] as number)) >>>
      0
    );
  }

  u64(): bigint {
    const hi = this.peekU32(0);
    const lo = this.peekU32(4);
    this.pos += 8;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A u8 length and that many bytes as latin1 text. */
  str8(): string {
    const n = this.buf[this.pos] as number;
    let s = '';
    for (let i = 1; i <= n; i++) s += String.fromCharCode(this.buf[this.pos + i] as number);
    this.pos += 1 + n;
    return s;
  }

  /** A view of the next `n` buffered bytes (valid until the next fill). */
  view(n: number): Uint8Array {
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A copy of the next `n` buffered bytes. */
  take(n: number): Uint8Array {
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  peek(ahead = 0): number | undefined {
    const i = this.pos + ahead;
    return i < this.end ? this.buf[i] : undefined;
  }

  /** Releases the source (closes files and sockets we opened). */
  async close(): Promise<void> {
    try {
      await this.it.return?.();
    } catch {
      /* closing is best effort */
    }
  }
}
