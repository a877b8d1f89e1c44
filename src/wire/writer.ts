import { fail } from '../errors/index.js';

/**
 * Big-endian writer over one growable buffer (or a given one, grown like any other when too
 * small). Capacity is reserved once per primitive.
 */
export class Writer {
  private buf: Uint8Array;
  private viewCache: DataView | undefined;
  /** Built on first use (64-bit and float writes only): a DataView per writer costs more than a small body. */
  private get view(): DataView {
    this.viewCache ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    return this.viewCache;
  }
  pos = 0;

  /**
   * `initial`: a capacity, or the buffer to write into (for output of a size known in advance;
   * {@link result} then returns it without a copy when exactly filled).
   */
  constructor(initial: number | Uint8Array = 256) {
    this.buf = typeof initial === 'number' ? new Uint8Array(Math.max(16, initial)) : initial;
  }

  private reserve(n: number): void {
    const needed = this.pos + n;
    if (needed <= this.buf.length) return;
    let size = Math.max(16, this.buf.length * 2);
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.viewCache = undefined;
  }

  /**
   * Reserves `n` bytes and moves past them, returning where they start; the caller fills them
   * through {@link buffer} (generated code writing a run of fields at once).
   */
  claim(n: number): number {
    this.reserve(n);
    const p = this.pos;
    this.pos = p + n;
    return p;
  }

  /** The buffer being written (valid until the next write that grows it). */
  get buffer(): Uint8Array {
    return this.buf;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.pos++] = v;
  }
  // 16- and 32-bit values are stored byte by byte: cheaper than a DataView call, and the
  // typed array's own conversion truncates exactly as DataView's setters do.
  u16(v: number): void {
    this.reserve(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 8;
    b[p + 1] = v;
    this.pos = p + 2;
  }
  i16(v: number): void {
    this.u16(v);
  }
  u32(v: number): void {
    this.reserve(4);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.pos = p + 4;
  }
  i32(v: number): void {
    this.u32(v);
  }
  u64(v: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.pos, v);
    this.pos += 8;
  }
  i64(v: bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.pos, v);
    this.pos += 8;
  }
  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }
  /**
   * The first `n` values as bytes when every one is an integer 0..255; otherwise writes nothing
   * and returns false, so the caller can go element by element and report the bad one.
   */
  byteArray(values: readonly unknown[], n: number): boolean {
    this.reserve(n);
    const buf = this.buf;
    const p = this.pos;
    // One pass that checks and stores: a bad value leaves `pos` where it was, so the bytes
    // stored before it are simply overwritten later. Four at a time (as Reader.byteArray), and
    // the masked value is what is stored: V8 stores a known int32 much faster than a tagged
    // number (measured: a 512-byte FIFO's save 25% faster). `typeof` first: `&` would call an
    // object's valueOf and throws on a bigint.
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const a = values[i];
      const b = values[i + 1];
      const c = values[i + 2];
      const d = values[i + 3];
      if (typeof a !== 'number' || typeof b !== 'number' || typeof c !== 'number' || typeof d !== 'number')
        return false;
      const x = a & 0xff;
      const y = b & 0xff;
      const z = c & 0xff;
      const t = d & 0xff;
      if (x !== a || y !== b || z !== c || t !== d) return false;
      buf[p + i] = x;
      buf[p + i + 1] = y;
      buf[p + i + 2] = z;
      buf[p + i + 3] = t;
    }
    for (; i < n; i++) {
      const v = values[i];
      if (typeof v !== 'number') return false;
      const x = v & 0xff;
      if (x !== v) return false;
      buf[p + i] = x;
    }
    this.pos = p + n;
    return true;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  zeros(n: number): void {
    this.reserve(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
  }
  /** A `u8` length and the text's bytes (latin1); names longer than 255 bytes cannot be framed. */
  str8(s: string): void {
    if (s.length > 255) fail('invalid-value', `name "${s.slice(0, 40)}…" is longer than 255 bytes`);
    this.u8(s.length);
    this.reserve(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i) & 0xff;
  }

  /** The written bytes, copied out; the writer can go on or be reset. */
  finish(): Uint8Array {
    // Not `slice`: its species lookup costs more than allocating and copying.
    const out = new Uint8Array(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    return out;
  }

  /**
   * The written bytes as a fresh array: the writer's own buffer when the writer was given one and
   * filled it exactly (no copy), else a copy as {@link finish}.
   */
  result(given: Uint8Array): Uint8Array {
    return this.buf === given && this.pos === given.length ? given : this.finish();
  }

  /** The written bytes without copying (valid until the next write). */
  peekBytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }

  /** Bytes the writer holds now (grows on demand); lets a caller decide not to keep a big one. */
  get capacity(): number {
    return this.buf.length;
  }
}
