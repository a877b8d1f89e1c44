import { fail } from '../../errors/index.js';
import { be32, latin1At } from '../../wire/index.js';
import { capabilitiesOf } from './configuration.js';
import { type ConfigurationItem, type RamBlock, RamFlag, type StreamItem } from './items.js';
import type { ByteSource } from './source.js';

const DEFAULT_MAX_RAM_BLOCKS = 1024;
const DEFAULT_MAX_RAM_BYTES = 2n ** 40n;
/** The smallest RAM record a page can be sent in: a CONTINUE zero page (8 + 1 bytes). */
const MIN_PAGE_RECORD = 9;
/** Marks a MEM_SIZE record, which the asynchronous block-list reader takes over. */
export const MEM_SIZE_RECORD = Symbol('MEM_SIZE');

export interface RamOptions {
  /** Postcopy with huge pages: each RAM block entry carries a be64 page size (spec §11.2). */
  readonly ramBlockPageSizes?: boolean;
  readonly ramLimits?: { readonly maxBlocks?: number; readonly maxBytes?: number };
}

/**
 * The RAM section's records (spec §11): the block list, page and zero-page records, EOS and
 * flushes. Keeps what later records refer to: the page size, the blocks and the last block named.
 */
export class RamRecords {
  pageSize = 4096;
  private mask = 4095;
  private readonly blocks = new Map<string, bigint>();
  /** Block lengths as numbers (at most 1 TiB by the limits), for the bulk scan. */
  private readonly lengths = new Map<string, number>();
  private lastBlock: string | undefined;

  constructor(
    private readonly src: ByteSource,
    private readonly options: RamOptions,
  ) {}

  setPageSize(n: number): void {
    if (!Number.isSafeInteger(n) || n < 512 || n > 1 << 24 || (n & (n - 1)) !== 0) {
      fail('invalid-value', `page size ${n} is not a power of two between 512 and 16 MiB`, {
        details: { pageSize: n },
      });
    }
    this.pageSize = n;
    this.mask = n - 1;
  }

  /** Throws `truncated` unless `n` bytes are buffered (the caller has filled as far as the input goes). */
  private have(n: number, path: readonly (string | number)[], what: string): void {
    const src = this.src;
    if (src.available >= n) return;
    fail('truncated', `the input ends inside ${what}: ${n} byte(s) needed, ${src.available} left`, {
      offset: src.offset,
      path,
      details: { needed: n, available: src.available },
    });
  }

  /**
   * Counts the page and zero-page records wholly in the window, without making items: each is
   * checked as `record` checks it, and the first that is anything else, or not whole, or wrong,
   * is left for `record` (which yields it, or reports the error as it always does).
   */
  skipPages(): { pages: number; zeroPages: number } {
    const src = this.src;
    const b = src.buf;
    const end = src.end;
    const mask = this.mask;
    const pageSize = this.pageSize;
    let p = src.pos;
    let pages = 0;
    let zeroPages = 0;
    let block = this.lastBlock;
    let length = block === undefined ? -1 : (this.lengths.get(block) ?? -1);
    while (p + 8 <= end) {
      const hi = be32(b, p);
      const lo = be32(b, p + 4);
      const flags = lo & mask;
      const kind = flags & ~RamFlag.CONTINUE;
      if ((kind !== RamFlag.PAGE && kind !== RamFlag.ZERO) || hi >= 0x200000) break;
      let q = p + 8;
      if ((flags & RamFlag.CONTINUE) === 0) {
        const n = q < end ? (b[q] as number) : 0;
        if (q + 1 + n > end) break;
        const name = latin1At(b, q + 1, n);
        const known = this.lengths.get(name);
        if (known === undefined) break;
        block = name;
        length = known;
        q += 1 + n;
      } else if (block === undefined) break;
      const payload = kind === RamFlag.PAGE ? pageSize : 1;
      const addr = hi * 0x100000000 + ((lo & ~mask) >>> 0);
      if (q + payload > end || addr + pageSize > length) break;
      if (kind === RamFlag.PAGE) pages++;
      else zeroPages++;
      this.lastBlock = block;
      p = q + payload;
    }
    src.pos = p;
    return { pages, zeroPages };
  }

  /**
   * One RAM record, synchronously: the caller has buffered the largest record there can be (or
   * everything that is left). A MEM_SIZE record is left for the asynchronous block-list reader.
   */
  record(path: string[]): StreamItem | typeof MEM_SIZE_RECORD {
    const src = this.src;
    this.have(8, path, 'a RAM record');
    const at = src.offset;
    const hi = src.peekU32(0);
    const lo = src.peekU32(4);
    const flags = lo & this.mask;
    const continued = (flags & RamFlag.CONTINUE) !== 0;
    const kind = flags & ~RamFlag.CONTINUE;
    if (kind === RamFlag.MEM_SIZE) return MEM_SIZE_RECORD;
    src.pos += 8;
    const addrLo = (lo & ~this.mask) >>> 0;
    const addr = hi < 0x200000 ? BigInt(hi * 0x100000000 + addrLo) : (BigInt(hi) << 32n) | BigInt(addrLo);
    switch (kind) {
      case RamFlag.ZERO: {
        const block = this.blockName(continued, at, path);
        this.have(1, path, 'a zero-page record');
        const fill = src.u8();
        this.checkPage(block, addr, at, path);
        return { type: 'ram-zero', offset: at, block, addr, continued, fill };
      }
      case RamFlag.PAGE: {
        const block = this.blockName(continued, at, path);
        this.have(this.pageSize, [...path, block], 'a RAM page');
        this.checkPage(block, addr, at, path);
        return { type: 'ram-page', offset: at, block, addr, continued, data: src.view(this.pageSize) };
      }
      case RamFlag.EOS:
        return continued
          ? { type: 'ram-eos', offset: at, addr, continued: true }
          : { type: 'ram-eos', offset: at, addr };
      case RamFlag.MULTIFD_FLUSH:
        return continued
          ? { type: 'ram-flush', offset: at, addr, continued: true }
          : { type: 'ram-flush', offset: at, addr };
      default:
        return unknownFlags(flags, at, path);
    }
  }

  private blockName(continued: boolean, at: number, path: string[]): string {
    const src = this.src;
    if (continued) {
      if (this.lastBlock === undefined) {
        fail('unexpected-byte', 'a CONTINUE record before any RAM block was named', { offset: at, path });
      }
      return this.lastBlock;
    }
    this.have(1, path, 'a RAM block name');
    this.have(1 + (src.peek(0) as number), path, 'a RAM block name');
    const nameAt = src.offset;
    const name = src.str8();
    if (!this.blocks.has(name)) {
      fail('invalid-value', `RAM block "${name}" was not in the block list`, {
        offset: nameAt,
        path: [...path, name],
        details: { block: name },
      });
    }
    this.lastBlock = name;
    return name;
  }

  private checkPage(block: string, addr: bigint, at: number, path: string[]): void {
    const length = this.blocks.get(block) as bigint;
    if (addr + BigInt(this.pageSize) > length) {
      fail(
        'invalid-value',
        `page at 0x${addr.toString(16)} is outside RAM block "${block}" (0x${length.toString(16)} bytes)`,
        {
          offset: at,
          path: [...path, block],
          details: { addr, length },
        },
      );
    }
  }

  /**
   * The MEM_SIZE record (spec §11.2): the list ends when the lengths add up to the total.
   * `inputSize`, when known, bounds the total by the pages the input could hold.
   */
  async blockList(
    path: string[],
    config: ConfigurationItem | undefined,
    inputSize: number | undefined,
  ): Promise<StreamItem> {
    const src = this.src;
    const at = src.offset;
    const hi = src.peekU32(0);
    const lo = src.peekU32(4);
    src.pos += 8;
    const flags = lo & this.mask;
    const total = (BigInt(hi) << 32n) | BigInt((lo & ~this.mask) >>> 0);
    const ignoreShared = capabilitiesOf(config).includes('x-ignore-shared');
    const maxBytes = BigInt(this.options.ramLimits?.maxBytes ?? DEFAULT_MAX_RAM_BYTES);
    if (total > maxBytes) bound('RAM total', total, maxBytes, at, path);
    // Shared blocks (x-ignore-shared) are not sent, so the input's size says nothing about them.
    if (inputSize !== undefined && !ignoreShared) {
      const fits = BigInt(Math.floor(inputSize / MIN_PAGE_RECORD)) * BigInt(this.pageSize);
      if (total > fits) {
        fail(
          'bound-exceeded',
          `RAM total 0x${total.toString(16)} cannot be in a stream of ${inputSize} bytes (at most 0x${fits.toString(16)}: every page is sent)`,
          { offset: at, path, details: { total, inputSize } },
        );
      }
    }
    const blocks = await this.blockEntries(path, total, maxBytes, ignoreShared);
    return { type: 'ram-blocks', offset: at, total, flags, blocks };
  }

  private async blockEntries(
    path: string[],
    total: bigint,
    maxBytes: bigint,
    ignoreShared: boolean,
  ): Promise<RamBlock[]> {
    const src = this.src;
    const blocks: RamBlock[] = [];
    let sum = 0n;
    const pageSizes = this.options.ramBlockPageSizes === true;
    const extra = (ignoreShared ? 8 : 0) + (pageSizes ? 8 : 0);
    const maxBlocks = this.options.ramLimits?.maxBlocks ?? DEFAULT_MAX_RAM_BLOCKS;
    while (sum < total) {
      if (blocks.length >= maxBlocks) {
        fail('bound-exceeded', `more than ${maxBlocks} RAM blocks`, {
          offset: src.offset,
          path,
          details: { max: maxBlocks },
        });
      }
      await src.need(1, path, 'the RAM block list');
      const n = src.peek(0) as number;
      await src.need(1 + n + 8 + extra, path, 'the RAM block list');
      const nameAt = src.offset;
      const name = src.str8();
      if (n === 0) fail('invalid-value', 'a RAM block with an empty name', { offset: nameAt, path });
      const length = src.u64();
      const pageSize = pageSizes ? src.u64() : undefined;
      const mrAddr = ignoreShared ? src.u64() : undefined;
      if (length > maxBytes) bound(`RAM block "${name}" length`, length, maxBytes, nameAt, [...path, name]);
      sum += length;
      if (sum > total) {
        fail('invalid-value', `RAM block lengths add up to more than the total 0x${total.toString(16)}`, {
          offset: nameAt,
          path: [...path, name],
          details: { total, sum },
        });
      }
      this.blocks.set(name, length);
      this.lengths.set(name, Number(length));
      blocks.push({
        name,
        length,
        ...(pageSize === undefined ? {} : { pageSize }),
        ...(mrAddr === undefined ? {} : { mrAddr }),
      });
    }
    return blocks;
  }
}

function bound(what: string, value: bigint, max: bigint, offset: number, path: string[]): never {
  return fail(
    'bound-exceeded',
    `${what} 0x${value.toString(16)} is more than the limit 0x${max.toString(16)}`,
    {
      offset,
      path,
      details: { value, max },
    },
  );
}

const UNSUPPORTED_FLAGS = [
  [RamFlag.XBZRLE, 'XBZRLE'],
  [RamFlag.COMPRESS_PAGE, 'COMPRESS_PAGE'],
  [RamFlag.HOOK, 'HOOK'],
] as const;

function unknownFlags(flags: number, at: number, path: string[]): never {
  const named = UNSUPPORTED_FLAGS.find(([bit]) => (flags & bit) !== 0);
  if (named) {
    fail('unsupported', `RAM flag ${named[1]} (0x${named[0].toString(16)}) is not supported`, {
      offset: at,
      path,
      details: { flags, flag: named[1] },
    });
  }
  return fail('unexpected-byte', `unknown RAM record flags 0x${flags.toString(16)}`, {
    offset: at,
    path,
    details: { flags },
  });
}
