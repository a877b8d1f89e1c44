import { fail } from '../errors/index.js';

const MAX_BYTES = 2 ** 32;

export interface TrackedMemoryOptions {
  /** The RAM block's idstr in the stream (QEMU's `pc.ram`, …). Default `ram`. */
  readonly name?: string;
  /** Target page size: the unit of dirty tracking and of RAM records. Default 4096 (x86). */
  readonly pageSize?: number;
}

/** A snapshot of the dirty bitmap taken by {@link TrackedMemory.syncDirty}. */
export interface DirtySet {
  /** Pages dirty in the snapshot. */
  readonly count: number;
  /** The bitmap words: bit `p % 32` of word `p >> 5` is page `p`. */
  readonly words: Uint32Array;
}

/**
 * A large memory (a guest's RAM) with dirty tracking: every write through this API marks the
 * pages it touches in a bitmap (one bit per page, not a copy), so live migration can send only
 * what changed since the last pass, as QEMU's migration bitmap does. Writes that bypass the API
 * (through {@link view}) are not tracked: keep views read-only.
 */
export class TrackedMemory {
  readonly name: string;
  readonly size: number;
  readonly pageSize: number;
  readonly pages: number;
  private readonly bytes: Uint8Array;
  /** 32-bit words over the same buffer, for a fast zero-page test. */
  private readonly words32: Uint32Array;
  private dirty: Uint32Array;
  private dirtyPages = 0;
  private readonly shift: number;

  constructor(size: number, options: TrackedMemoryOptions = {}) {
    const pageSize = options.pageSize ?? 4096;
    if (!Number.isSafeInteger(pageSize) || pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
      fail('invalid-value', `page size ${pageSize} is not a power of two ≥ 512`, { details: { pageSize } });
    }
    if (!Number.isSafeInteger(size) || size <= 0 || size % pageSize !== 0 || size > MAX_BYTES) {
      fail('invalid-value', `memory size ${size} is not a positive multiple of the page size up to 4 GiB`, {
        details: { size, pageSize },
      });
    }
    const name = options.name ?? 'ram';
    if (name.length === 0 || Buffer.byteLength(name) > 255) {
      fail('invalid-value', `RAM block name "${name}" must be 1 to 255 bytes`);
    }
    this.name = name;
    this.size = size;
    this.pageSize = pageSize;
    this.pages = size / pageSize;
    this.shift = Math.log2(pageSize);
    this.bytes = new Uint8Array(size);
    this.words32 = new Uint32Array(this.bytes.buffer);
    this.dirty = new Uint32Array(Math.ceil(this.pages / 32));
  }

  /** Pages written since the last {@link syncDirty}. */
  get dirtyCount(): number {
    return this.dirtyPages;
  }

  private check(offset: number, length: number): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      fail('invalid-value', `bad memory range ${offset}+${length}`, { details: { offset, length } });
    }
    if (offset + length > this.size) {
      fail('invalid-value', `memory range ${offset}+${length} is beyond the ${this.size}-byte memory`, {
        details: { offset, length, size: this.size },
      });
    }
  }

  /** Marks the pages of `[offset, offset + length)` dirty. */
  private mark(offset: number, length: number): void {
    if (length === 0) return;
    const first = offset >>> this.shift;
    const last = (offset + length - 1) >>> this.shift;
    const d = this.dirty;
    for (let p = first; p <= last; p++) {
      const i = p >>> 5;
      const bit = 1 << (p & 31);
      const w = d[i] as number;
      if ((w & bit) === 0) {
        d[i] = w | bit;
        this.dirtyPages++;
      }
    }
  }

  /** Copies `data` to `offset` and marks the pages it covers. */
  write(offset: number, data: Uint8Array): void {
    this.check(offset, data.length);
    this.bytes.set(data, offset);
    this.mark(offset, data.length);
  }

  /** Fills `[offset, offset + length)` with `value`. */
  fill(offset: number, length: number, value: number): void {
    this.check(offset, length);
    this.bytes.fill(value, offset, offset + length);
    this.mark(offset, length);
  }

  setUint8(offset: number, value: number): void {
    this.check(offset, 1);
    this.bytes[offset] = value;
    this.mark(offset, 1);
  }

  getUint8(offset: number): number {
    this.check(offset, 1);
    return this.bytes[offset] as number;
  }

  /** A copy of `[offset, offset + length)`. */
  read(offset: number, length: number): Uint8Array {
    this.check(offset, length);
    return this.bytes.slice(offset, offset + length);
  }

  /** A live view, for reading only (writes through it are not tracked). */
  view(offset = 0, length = this.size - offset): Uint8Array {
    this.check(offset, length);
    return this.bytes.subarray(offset, offset + length);
  }

  /** The bytes of page `page` (a live view, read-only by contract). */
  page(page: number): Uint8Array {
    const at = page * this.pageSize;
    return this.bytes.subarray(at, at + this.pageSize);
  }

  /** Whether page `page` is all zero bytes (sent as a ZERO record). */
  isZeroPage(page: number): boolean {
    const words = this.pageSize >>> 2;
    const w = this.words32;
    for (let i = page * words, end = i + words; i < end; i++) if (w[i] !== 0) return false;
    return true;
  }

  /** Stores a received page (the destination side: no tracking needed, it is not running). */
  storePage(page: number, data: Uint8Array): void {
    this.bytes.set(data, page * this.pageSize);
  }

  /** Fills a received ZERO page. */
  storeFill(page: number, fill: number): void {
    const at = page * this.pageSize;
    this.bytes.fill(fill, at, at + this.pageSize);
  }

  /** Marks every page dirty: the first pass of a migration sends them all. */
  markAllDirty(): void {
    this.dirty.fill(0xffff_ffff);
    const tail = this.pages & 31;
    if (tail !== 0) this.dirty[this.dirty.length - 1] = (1 << tail) - 1;
    this.dirtyPages = this.pages;
  }

  /**
   * QEMU's bitmap sync: hands out the pages dirtied so far and starts a new, empty bitmap.
   * Writes after the call land in the new bitmap (and are sent in the next pass).
   */
  syncDirty(): DirtySet {
    const out = { count: this.dirtyPages, words: this.dirty };
    this.dirty = new Uint32Array(this.dirty.length);
    this.dirtyPages = 0;
    return out;
  }

  /** A copy with the same contents and a clean bitmap. */
  clone(): TrackedMemory {
    const copy = new TrackedMemory(this.size, { name: this.name, pageSize: this.pageSize });
    copy.bytes.set(this.bytes);
    return copy;
  }

  /** Same size, page size, name and bytes. */
  equals(other: TrackedMemory): boolean {
    return (
      other.name === this.name &&
      other.size === this.size &&
      other.pageSize === this.pageSize &&
      Buffer.compare(this.bytes, other.bytes) === 0
    );
  }
}

/** Calls `visit(page)` for every page set in a dirty snapshot, in order. */
export function forEachDirty(set: DirtySet, visit: (page: number) => void): void {
  const words = set.words;
  for (let i = 0; i < words.length; i++) {
    let w = words[i] as number;
    while (w !== 0) {
      const low = w & -w;
      visit(i * 32 + (31 - Math.clz32(low)));
      w ^= low;
    }
  }
}
