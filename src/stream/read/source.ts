import { fstatSync, openSync } from 'node:fs';
import { fail } from '../../errors/index.js';
import { be16, be32, be64, latin1At } from '../../wire/index.js';
import { FdFeed } from './fd-feed.js';

/**
 * A file descriptor open for reading with blocking reads (a file, or a pipe such as
 * `blockingStdin()`): read in large chunks straight into the reader's buffers.
 */
export interface FdSource {
  readonly fd: number;
}

/**
 * Anything the reader accepts: a file path, bytes, an fd, or chunks (a Node Readable such as a
 * file, pipe or socket stream is an async iterable of chunks). Structural on purpose: the
 * published types need no @types/node.
 */
export type StreamSource = string | Uint8Array | FdSource | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

const CHUNK = 1 << 20;

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

type Chunks = AsyncIterator<Uint8Array> | Iterator<Uint8Array>;

function feedOf(source: StreamSource): FdFeed | Chunks {
  if (typeof source === 'string') return new FdFeed(source);
  if (source instanceof Uint8Array) return [source][Symbol.iterator]();
  if ('fd' in source && typeof source.fd === 'number' && !('read' in source)) return new FdFeed(source.fd);
  if (Symbol.asyncIterator in source) return (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
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
  private readonly feed: FdFeed | Chunks;
  /** True once the source has no more chunks. */
  done = false;

  constructor(source: StreamSource) {
    this.feed = feedOf(source);
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
      try {
        if (this.feed instanceof FdFeed) this.refillFromFd(this.feed, n);
        else await this.nextChunk(this.feed);
      } catch (e) {
        if (e instanceof ReadFailure) {
          return fail('other', `reading the input failed: ${e.message}`, {
            offset: this.offset + this.available,
          });
        }
        throw e;
      }
    }
    return this.end - this.pos >= n;
  }

  private refillFromFd(feed: FdFeed, n: number): void {
    let next: { buf: Uint8Array; end: number };
    try {
      next = feed.refill(this.buf.subarray(this.pos, this.end), n);
    } catch (e) {
      throw new ReadFailure(e);
    }
    this.base += this.pos;
    this.buf = next.buf;
    this.pos = 0;
    this.end = next.end;
    this.done = feed.ended;
  }

  private async nextChunk(it: Chunks): Promise<void> {
    let r: IteratorResult<Uint8Array>;
    try {
      // A synchronous source (bytes) is not awaited: no microtask turn per chunk.
      const next = it.next();
      r = next instanceof Promise ? await next : next;
    } catch (e) {
      throw new ReadFailure(e);
    }
    if (r.done) {
      this.done = true;
      return;
    }
    const value = r.value;
    if (!(value instanceof Uint8Array)) {
      fail('other', 'the input yielded something other than bytes', { offset: this.offset });
    }
    // A plain view: Buffer#slice does not copy, Uint8Array#slice does (decoded state must not alias).
    const chunk = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (chunk.length > 0) this.append(chunk);
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

  u16(): number {
    const v = be16(this.buf, this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    const v = be32(this.buf, this.pos);
    this.pos += 4;
    return v;
  }

  peekU32(ahead: number): number {
    return be32(this.buf, this.pos + ahead);
  }

  u64(): bigint {
    const v = be64(this.buf, this.pos);
    this.pos += 8;
    return v;
  }

  /** A u8 length and that many bytes as latin1 text. */
  str8(): string {
    const n = this.buf[this.pos] as number;
    const s = latin1At(this.buf, this.pos + 1, n);
    this.pos += 1 + n;
    return s;
  }

  /** A view of the next `n` buffered bytes (valid until the next fill but one). */
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
      if (this.feed instanceof FdFeed) this.feed.close();
      else await this.feed.return?.();
    } catch {
      /* closing is best effort */
    }
  }
}

/** A read that failed in the operating system or the source (not a problem of the bytes). */
class ReadFailure extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}
