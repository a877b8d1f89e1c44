import { fail } from '../errors/index.js';
import type { StreamEncoder, StreamItem } from '../stream/index.js';
import { type DirtySet, forEachDirty, type TrackedMemory } from './memory.js';

/** QEMU's RAM section: idstr `ram`, instance 0, version 4 (spec §11). */
export const RAM_SECTION = { sectionId: 1, idstr: 'ram', instanceId: 0, version: 4 } as const;

function header(kind: 'start' | 'part' | 'end'): StreamItem {
  return { type: 'section', kind, ...RAM_SECTION };
}

const close: StreamItem = { type: 'section-end', sectionId: RAM_SECTION.sectionId, footer: true };
const eos: StreamItem = { type: 'ram-eos', addr: 0n };

/** The START section: the block list (MEM_SIZE record), then EOS. */
export function writeRamStart(enc: StreamEncoder, memory: readonly TrackedMemory[]): void {
  let total = 0n;
  for (const m of memory) total += BigInt(m.size);
  enc.write(header('start'));
  enc.write({
    type: 'ram-blocks',
    total,
    flags: 0,
    blocks: memory.map((m) => ({ name: m.name, length: BigInt(m.size) })),
  });
  enc.write(eos);
  enc.write(close);
}

/** Counts of what a pass sent. */
export interface PassCount {
  pages: number;
  zero: number;
}

/**
 * One PART (pre-copy pass) or END (switch-over) section with the pages of `dirty`, one dirty set
 * per memory. Records are ZERO for all-zero pages, PAGE otherwise, CONTINUE within a block, as
 * QEMU writes them. `flush(enc)` is called whenever about `chunk` bytes are pending, so the
 * caller can send them (and let the guest run) while the pass goes on.
 */
export async function writeRamPass(
  enc: StreamEncoder,
  kind: 'part' | 'end',
  memory: readonly TrackedMemory[],
  dirty: readonly DirtySet[],
  flush: () => Promise<void>,
  chunk: number,
  count: PassCount,
): Promise<void> {
  enc.write(header(kind));
  // The last block named: CONTINUE is stream-wide state (spec §11.1), so start each pass named.
  let last: string | undefined;
  for (let i = 0; i < memory.length; i++) {
    const m = memory[i] as TrackedMemory;
    const set = dirty[i];
    if (!set || set.count === 0) continue;
    const pages: number[] = [];
    forEachDirty(set, (p) => {
      pages.push(p);
    });
    for (const p of pages) {
      const addr = BigInt(p * m.pageSize);
      const continued = last === m.name;
      if (m.isZeroPage(p)) {
        enc.write({ type: 'ram-zero', block: m.name, addr, continued, fill: 0 });
        count.zero++;
      } else {
        enc.write({ type: 'ram-page', block: m.name, addr, continued, data: m.page(p) });
      }
      count.pages++;
      last = m.name;
      if (enc.pending >= chunk) await flush();
    }
  }
  enc.write(eos);
  enc.write(close);
}

/** Applies RAM items to the staging memories (the destination side). */
export class RamLoader {
  private readonly byName: Map<string, TrackedMemory>;
  private blocksSeen = false;

  constructor(private readonly memory: readonly TrackedMemory[]) {
    this.byName = new Map(memory.map((m) => [m.name, m]));
  }

  /** True when the item was a RAM item (and was applied). */
  apply(item: StreamItem): boolean {
    switch (item.type) {
      case 'ram-blocks': {
        for (const b of item.blocks) {
          const m = this.byName.get(b.name);
          if (!m) fail('invalid-value', `unknown RAM block "${b.name}"`, { path: ['ram (0)'], ...at(item) });
          if (b.length !== BigInt(m.size)) {
            fail('invalid-value', `RAM block "${b.name}" is ${b.length} bytes here ${m.size}`, {
              path: ['ram (0)'],
              ...at(item),
            });
          }
        }
        if (item.blocks.length !== this.memory.length) {
          fail('invalid-value', `${item.blocks.length} RAM blocks sent, ${this.memory.length} expected`, {
            path: ['ram (0)'],
            ...at(item),
          });
        }
        this.blocksSeen = true;
        return true;
      }
      case 'ram-page':
      case 'ram-zero': {
        if (!this.blocksSeen) fail('invalid-value', 'a RAM page before the block list', at(item));
        const m = this.byName.get(item.block);
        if (!m) return fail('invalid-value', `unknown RAM block "${item.block}"`, at(item));
        const page = Number(item.addr) / m.pageSize;
        if (!Number.isInteger(page) || page >= m.pages) {
          fail('invalid-value', `page 0x${item.addr.toString(16)} outside RAM block "${m.name}"`, at(item));
        }
        if (item.type === 'ram-page') m.storePage(page, item.data);
        else m.storeFill(page, item.fill);
        return true;
      }
      case 'ram-eos':
        return true;
      case 'ram-flush':
        return fail('unsupported', 'MULTIFD_FLUSH in a single-channel migration', at(item));
      default:
        return false;
    }
  }
}

function at(item: StreamItem): { offset?: number } {
  return item.offset === undefined ? {} : { offset: item.offset };
}
