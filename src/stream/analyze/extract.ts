import { closeSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StreamItem } from '../read/items.js';

/** Where a RAM block's file goes under `dir`: its name as a relative path, `..` and empty parts dropped. */
export function blockPath(dir: string, name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
  return join(dir, ...(parts.length === 0 ? ['_'] : parts));
}

const COALESCE = 1 << 20;
/** One bitmap chunk covers this many pages (128 MiB of guest RAM at 4 KiB pages). */
const CHUNK_PAGES = 1 << 15;

interface BlockFile {
  fd: number;
  length: bigint;
  /** Pages written with data (only those need zeros written back when a zero page follows). */
  written: Map<number, Uint8Array>;
  /** Pending contiguous run: file position and bytes. */
  runAt: number;
  run: Uint8Array;
  runLength: number;
}

/**
 * Writes RAM blocks as sparse files (one per block, sized to the block) as page records stream
 * by: only pages with data are written, contiguous pages in one write. A zero page after data
 * for the same page writes zeros back (the last copy of a page wins, spec §11.3).
 */
export class RamExtractor {
  private readonly files = new Map<string, BlockFile>();
  readonly paths: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly pageSize = 4096,
  ) {}

  add(item: StreamItem): void {
    if (item.type === 'ram-blocks') {
      for (const b of item.blocks) this.open(b.name, b.length);
    } else if (item.type === 'ram-page') this.write(item.block, item.addr, item.data);
    else if (item.type === 'ram-zero') {
      const f = this.files.get(item.block);
      if (!f) return;
      const page = Number(item.addr) / this.pageSize;
      if (item.fill !== 0 || this.isWritten(f, page)) {
        this.write(item.block, item.addr, new Uint8Array(this.pageSize).fill(item.fill));
      }
    }
  }

  private open(name: string, length: bigint): void {
    const existing = this.files.get(name);
    if (existing) {
      ftruncateSync(existing.fd, Number(length));
      existing.length = length;
      return;
    }
    const path = blockPath(this.dir, name);
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, 'w');
    ftruncateSync(fd, Number(length));
    this.files.set(name, {
      fd,
      length,
      written: new Map(),
      runAt: 0,
      run: new Uint8Array(COALESCE),
      runLength: 0,
    });
    this.paths.push(path);
  }

  private isWritten(f: BlockFile, page: number): boolean {
    const chunk = f.written.get(Math.floor(page / CHUNK_PAGES));
    const i = page % CHUNK_PAGES;
    return chunk !== undefined && ((chunk[i >> 3] as number) & (1 << (i & 7))) !== 0;
  }

  private mark(f: BlockFile, page: number): void {
    const key = Math.floor(page / CHUNK_PAGES);
    let chunk = f.written.get(key);
    if (!chunk) {
      chunk = new Uint8Array(CHUNK_PAGES / 8);
      f.written.set(key, chunk);
    }
    const i = page % CHUNK_PAGES;
    chunk[i >> 3] = (chunk[i >> 3] as number) | (1 << (i & 7));
  }

  private write(name: string, addr: bigint, data: Uint8Array): void {
    const f = this.files.get(name);
    if (!f) return;
    const at = Number(addr);
    this.mark(f, at / this.pageSize);
    if (f.runLength > 0 && (f.runAt + f.runLength !== at || f.runLength + data.length > f.run.length))
      this.flush(f);
    if (f.runLength === 0) f.runAt = at;
    f.run.set(data, f.runLength);
    f.runLength += data.length;
  }

  private flush(f: BlockFile): void {
    let done = 0;
    while (done < f.runLength) done += writeSync(f.fd, f.run, done, f.runLength - done, f.runAt + done);
    f.runLength = 0;
  }

  /** Flushes and closes every file. */
  close(): void {
    for (const f of this.files.values()) {
      this.flush(f);
      closeSync(f.fd);
    }
    this.files.clear();
  }
}
