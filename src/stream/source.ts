import { createReadStream } from 'node:fs';
import { fail } from '../errors/index.js';

/** Anything the reader accepts: a file path, bytes, a Node Readable (file, pipe, socket), chunks. */
export type StreamSource =
  | string
  | Uint8Array
  | NodeJS.ReadableStream
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>;

const CHUNK = 1 << 20;

function toIterator(source: StreamSource): AsyncIterator<Uint8Array> | Iterator<Uint8Array> {
  if (typeof source === 'string') {
    return createReadStream(source, { highWaterMark: CHUNK })[
      Symbol.asyncIterator
    ]() as AsyncIterator<Uint8Array>;
  }
  if (source instanceof Uint8Array) return [source][Symbol.iterator]();
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
        r = await this.it.next();
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
