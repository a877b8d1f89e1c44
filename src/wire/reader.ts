import { fail } from '../errors/index.js';

/**
 * Big-endian cursor over bytes. Every read is bounds-checked and throws a `truncated`
 * MigrationError carrying the absolute offset, so no caller has to remember to check validity.
 */
export class Reader {
  readonly bytes: Uint8Array;
  private viewCache: DataView | undefined;
  /** Built on first use: a DataView per input costs more than decoding a small struct. */
  private get view(): DataView {
    this.viewCache ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.viewCache;
  }
  /** Position inside `bytes`. */
  pos: number;
  /** Where `bytes[0]` sits in the whole input, so reported offsets are absolute. */
  readonly base: number;

  constructor(bytes: Uint8Array, options: { base?: number } = {}) {
    this.bytes = bytes;
    this.pos = 0;
    this.base = options.base ?? 0;
  }

  /** Absolute offset of the next byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) {
      fail('truncated', `input ends: ${n} byte(s) needed, ${this.remaining} left`, {
        offset: this.offset,
        details: { needed: n, available: this.remaining },
      });
    }
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++] as number;
  }
  i8(): number {
    this.need(1);
    return ((this.bytes[this.pos++] as number) << 24) >> 24;
  }
  u16(): number {
    this.need(2);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 2;
    return ((b[p] as number) << 8) | (b[p + 1] as number);
  }
  i16(): number {
    this.need(2);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 2;
    return (((b[p] as number) << 24) | ((b[p + 1] as number) << 16)) >> 16;
  }
  u32(): number {
    this.need(4);
    const b = this.bytes;
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
  i32(): number {
    this.need(4);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 4;
    return (
      ((b[p] as number) << 24) |
      ((b[p + 1] as number) << 16) |
      ((b[p + 2] as number) << 8) |
      (b[p + 3] as number)
    );
  }
  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    this.need(8);
    const v = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * A copy of the next `n` bytes, so decoded state never aliases the input. Always a plain
   * Uint8Array in fresh memory: `bytes.slice` would not do, a Node Buffer's `slice` is a view.
   */
  take(n: number): Uint8Array {
    this.need(n);
    const out = new Uint8Array(n);
    out.set(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /**
   * The next `n` bytes as numbers, or undefined (consuming nothing) when fewer are left, so the
   * caller can go element by element and report where the input ends.
   */
  byteArray(n: number): number[] | undefined {
    if (!this.has(n)) return undefined;
    const b = this.bytes;
    const p = this.pos;
    const out = new Array<number>(n);
    // Four at a time: measured ~15 % faster than one element per iteration for a 512-byte FIFO.
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      out[i] = b[p + i] as number;
      out[i + 1] = b[p + i + 1] as number;
      out[i + 2] = b[p + i + 2] as number;
      out[i + 3] = b[p + i + 3] as number;
    }
    for (; i < n; i++) out[i] = b[p + i] as number;
    this.pos = p + n;
    return out;
  }

  /** A view of the next `n` bytes without copying; valid only while the input is. */
  peekView(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /** The byte `ahead` positions from here, or undefined past the end (QEMU's peek yields 0 there). */
  peek(ahead = 0): number | undefined {
    return this.bytes[this.pos + ahead];
  }

  /** True when the `n` bytes starting `ahead` positions from here are all available. */
  has(n: number, ahead = 0): boolean {
    return this.pos + ahead + n <= this.bytes.length;
  }

  /** A `u8` length and that many bytes, as latin1 text (QEMU names are ASCII). */
  str8(): string {
    const n = this.u8();
    return latin1(this.peekView(n));
  }
}

export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i] as number);
  return s;
}
