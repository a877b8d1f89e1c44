import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fail } from '../../errors/index.js';
import type { PageSink } from './analyze-state.js';
import { hexBytes } from './analyze-state.js';
import type { PyValue } from './pyjson.js';

/** One state chunk covers this many pages (128 MiB of guest RAM at 4 KiB pages). */
const CHUNK_PAGES = 1 << 15;
/** Page state: not seen, last record had data; `FILL + b`: last record was a fill (zero) page of byte b. */
const DATA = 1;
const FILL = 2;

interface Block {
  readonly name: string;
  /** Temporary file holding the last data of each data page (opened on the first, unlinked at once). */
  fd: number | undefined;
  readonly state: Map<number, Uint16Array>;
}

const cleanup = new FinalizationRegistry<number[]>((fds) => {
  for (const fd of fds) closeSync(fd);
});

let serial = 0;

/**
 * The `"memory"` map of analyze-migration.py `-m`, for streams of any size: a read-only Map whose
 * keys are `"<block> (0x%016x)"` in the order pages were first seen (a repeated page keeps its
 * first slot, as a Python dict does) and whose values are the last record's: `"Filled with 0x00"`
 * or the bytes as hex. Page data goes to unlinked temporary files, not to memory; memory holds two
 * bytes per page seen plus eight per distinct page for the order. Values are rendered when
 * iterated, so the text can be written out piece by piece (`analysisChunks`).
 */
export class PageStore implements PageSink {
  private readonly blocks: Block[] = [];
  private readonly byName = new Map<string, number>();
  /** First-seen order: pairs (block index, page index). */
  private order = new Uint32Array(2048);
  private count = 0;
  private readonly fds: number[] = [];
  private readonly page: Uint8Array;

  constructor(private readonly pageSize = 4096) {
    this.page = new Uint8Array(pageSize);
    cleanup.register(this, this.fds);
  }

  get size(): number {
    return this.count;
  }

  private blockOf(name: string): number {
    let i = this.byName.get(name);
    if (i === undefined) {
      i = this.blocks.length;
      this.blocks.push({ name, fd: undefined, state: new Map() });
      this.byName.set(name, i);
    }
    return i;
  }

  private pageIndex(addr: bigint): number {
    const n = addr / BigInt(this.pageSize);
    if (n >= 2n ** 32n) fail('invalid-value', `RAM address 0x${addr.toString(16)} is too large to keep`);
    return Number(n);
  }

  private set(name: string, addr: bigint, value: number): number {
    const b = this.blockOf(name);
    const p = this.pageIndex(addr);
    const states = (this.blocks[b] as Block).state;
    const key = Math.floor(p / CHUNK_PAGES);
    let chunk = states.get(key);
    if (!chunk) {
      chunk = new Uint16Array(CHUNK_PAGES);
      states.set(key, chunk);
    }
    if (chunk[p % CHUNK_PAGES] === 0) {
      if (this.count * 2 === this.order.length) {
        const grown = new Uint32Array(this.order.length * 2);
        grown.set(this.order);
        this.order = grown;
      }
      this.order[this.count * 2] = b;
      this.order[this.count * 2 + 1] = p;
      this.count++;
    }
    chunk[p % CHUNK_PAGES] = value;
    return b;
  }

  /** A ZERO record (fill byte). */
  zero(block: string, addr: bigint, fill: number): void {
    this.set(block, addr, FILL + (fill & 0xff));
  }

  /** A PAGE record: its data is copied to the block's temporary file. */
  data(block: string, addr: bigint, data: Uint8Array): void {
    const b = this.blocks[this.set(block, addr, DATA)] as Block;
    if (b.fd === undefined) {
      const path = join(tmpdir(), `vmstate-pages-${process.pid}-${serial++}`);
      b.fd = openSync(path, 'w+', 0o600);
      unlinkSync(path);
      this.fds.push(b.fd);
    }
    const at = Number(addr);
    let done = 0;
    while (done < data.length) done += writeSync(b.fd, data, done, data.length - done, at + done);
  }

  private value(b: number, p: number): PyValue {
    const block = this.blocks[b] as Block;
    const s = block.state.get(Math.floor(p / CHUNK_PAGES))?.[p % CHUNK_PAGES] ?? 0;
    if (s >= FILL) {
      // The script formats the signed fill byte: 0xff prints as "0x-1".
      const signed = s - FILL >= 0x80 ? s - FILL - 0x100 : s - FILL;
      const text = signed < 0 ? `-${(-signed).toString(16)}` : signed.toString(16).padStart(2, '0');
      return `Filled with 0x${text}`;
    }
    const at = p * this.pageSize;
    let done = 0;
    while (done < this.page.length) {
      const n = readSync(block.fd as number, this.page, done, this.page.length - done, at + done);
      if (n === 0) break;
      done += n;
    }
    return hexBytes(this.page);
  }

  private keyOf(b: number, p: number): string {
    const addr = BigInt(p) * BigInt(this.pageSize);
    return `${(this.blocks[b] as Block).name} (0x${addr.toString(16).padStart(16, '0')})`;
  }

  *entries(): MapIterator<[string, PyValue]> {
    for (let i = 0; i < this.count; i++) {
      const b = this.order[i * 2] as number;
      const p = this.order[i * 2 + 1] as number;
      yield [this.keyOf(b, p), this.value(b, p)];
    }
  }

  *keys(): MapIterator<string> {
    for (let i = 0; i < this.count; i++)
      yield this.keyOf(this.order[i * 2] as number, this.order[i * 2 + 1] as number);
  }

  *values(): MapIterator<PyValue> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): MapIterator<[string, PyValue]> {
    return this.entries();
  }

  private locate(key: string): [number, number] | undefined {
    const m = /^(.*) \(0x([0-9a-f]{16})\)$/.exec(key);
    if (!m) return undefined;
    const b = this.byName.get(m[1] as string);
    const addr = BigInt(`0x${m[2]}`);
    if (b === undefined || addr % BigInt(this.pageSize) !== 0n) return undefined;
    const p = Number(addr / BigInt(this.pageSize));
    const s = (this.blocks[b] as Block).state.get(Math.floor(p / CHUNK_PAGES))?.[p % CHUNK_PAGES] ?? 0;
    return s === 0 ? undefined : [b, p];
  }

  has(key: string): boolean {
    return this.locate(key) !== undefined;
  }

  get(key: string): PyValue | undefined {
    const at = this.locate(key);
    return at ? this.value(at[0], at[1]) : undefined;
  }

  forEach(fn: (value: PyValue, key: string, map: ReadonlyMap<string, PyValue>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
}
