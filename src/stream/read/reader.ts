import type { MigrationContext, Vmsd } from '../../describe/index.js';
import { fail, MigrationError } from '../../errors/index.js';
import { command, packagedEnd } from './commands.js';
import { CONFIGURATION_MARKER, capabilitiesOf, readConfiguration } from './configuration.js';
import { device, opaque } from './device-body.js';
import { Command, type StreamItem } from './items.js';
import { MEM_SIZE_RECORD } from './ram-records.js';
import { asInternal, hex2, ReaderState, sectionLabel } from './reader-state.js';
import { SectionType } from './section.js';
import { footer, sectionHeader } from './section-frame.js';
import type { StreamSource } from './source.js';
import { trailer } from './stream-end.js';
import type { VmdescLimits } from './trailer.js';
import { prepare } from './up-front.js';
import type { Vmdesc } from './vmdesc.js';

/** "QEVM" */
export const STREAM_MAGIC = 0x5145564d;
export const STREAM_VERSION = 3;

/** Finds the description of a section, or undefined to fall back to the vmdesc or opaque bytes. */
export type DescriptionLookup = (section: {
  readonly idstr: string;
  readonly instanceId: number;
  readonly version: number;
}) => Vmsd | undefined;

/** A lookup over descriptions listed with their section identity (idstr defaults to the vmsd name). */
export function descriptionLookup(
  list: Iterable<Vmsd | { readonly idstr?: string; readonly instanceId?: number; readonly vmsd: Vmsd }>,
): DescriptionLookup {
  const map = new Map<string, Vmsd>();
  for (const e of list) {
    const full = 'kind' in e ? { vmsd: e } : e;
    map.set(`${full.idstr ?? full.vmsd.name}\u0000${full.instanceId ?? 0}`, full.vmsd);
  }
  return (s) => map.get(`${s.idstr}\u0000${s.instanceId}`);
}

export interface ReadOptions {
  /** Our own descriptions, tried first for every FULL section. */
  readonly descriptions?: DescriptionLookup;
  /**
   * Where the stream's own vmdesc comes from: `auto` (default) reads the trailer first when the
   * source is a file path or bytes (a pipe cannot be rewound); `none` ignores it; or pass one.
   */
  readonly vmdesc?: 'auto' | 'none' | Vmdesc;
  /** Section footers: `auto` (default) detects them at the first section and then requires them. */
  readonly footers?: 'auto' | boolean;
  /** Target page size; default the vmdesc's `page_size`, else 4096 (x86). */
  readonly pageSize?: number;
  /** Postcopy with huge pages: each RAM block entry carries a be64 page size (spec §11.2). */
  readonly ramBlockPageSizes?: boolean;
  /** Largest section body buffered at once (default 64 MiB); a larger one is refused. */
  readonly maxSectionBytes?: number;
  readonly vmdescLimits?: VmdescLimits;
  /** Context for the predicates of `descriptions`. */
  readonly ctx?: MigrationContext;
  /** Called with the absolute offset as the reader advances (for progress bars). */
  readonly onProgress?: (offset: number) => void;
  /**
   * Declared bounds for the RAM block list, checked before any item about it is yielded (so
   * before `--extract` creates a file): at most `maxBlocks` blocks (default 1024), none longer
   * than `maxBytes` and all together not either (default 1 TiB). When the input's size is known,
   * the total is also bounded by the pages its records could hold (every page is sent at least
   * once, in at least 9 bytes).
   */
  readonly ramLimits?: { readonly maxBlocks?: number; readonly maxBytes?: number };
  /**
   * `items` (default): every page and zero-page record is an item. `count`: they are checked and
   * counted in bulk, and each run of them is one `ram-skipped` item (pages not read into items
   * cannot be written back: for analyses that do not print pages).
   */
  readonly ramPages?: 'items' | 'count';
  /**
   * `decode` (default): bodies the vmdesc describes are decoded (`device` items). `framed`: those
   * whose end the entry alone fixes (and decoding could not refuse) come as `opaque` items with
   * `boundary: 'vmdesc'` and the entry, undecoded (for analyses that render the bytes by the
   * entry); the others are decoded as always, errors included.
   */
  readonly bodies?: 'decode' | 'framed';
}

/**
 * Reads a whole migration stream as items, in order, holding only a small rolling window: RAM
 * pages flow through as items and are never collected. Every problem with the input is a
 * MigrationError naming the offset and the section.
 *
 * ```ts
 * for await (const item of readStream('vm.mig')) if (item.type === 'device') console.log(item.state);
 * ```
 */
export function readStream(source: StreamSource, options: ReadOptions = {}): AsyncGenerator<StreamItem> {
  return new StreamReader(source, options).run();
}

class StreamReader extends ReaderState {
  async *run(): AsyncGenerator<StreamItem> {
    const src = this.src;
    try {
      await prepare(this);
      await src.need(8, [], 'the stream header');
      const magic = src.u32();
      if (magic !== STREAM_MAGIC) {
        fail('bad-header', `not a QEMU migration stream: magic 0x${magic.toString(16).padStart(8, '0')}`, {
          offset: 0,
          details: { magic },
        });
      }
      const version = src.u32();
      if (version !== STREAM_VERSION) {
        fail('bad-header', `stream version ${version} (only 3 is supported)`, {
          offset: 4,
          details: { version },
        });
      }
      yield { type: 'header', offset: 0, version: 3, pageSize: this.ram.pageSize };
      if ((await src.fill(1)) && src.peek(0) === CONFIGURATION_MARKER) {
        this.config = await readConfiguration(src);
        const caps = capabilitiesOf(this.config);
        if (caps.includes('mapped-ram')) {
          fail('unsupported', 'the mapped-ram capability (9.0+ file layout) is not supported', {
            offset: this.config.offset,
            path: ['configuration'],
          });
        }
        yield this.config;
      }
      yield* this.items();
      await trailer(this);
      if (this.trailerItem) yield this.trailerItem;
    } catch (e) {
      throw e instanceof MigrationError ? e : asInternal(e, src.offset);
    } finally {
      await src.close();
    }
  }

  /**
   * The item list, flat: one generator for the whole stream (nested PACKAGED blobs are a stack of
   * end offsets), with RAM records parsed synchronously while enough bytes are buffered. Every
   * item passes through a single `yield`, which keeps the per-page cost low.
   */
  private async *items(): AsyncGenerator<StreamItem> {
    const src = this.src;
    const blobs: number[] = [];
    for (;;) {
      const limit = blobs[blobs.length - 1];
      if (limit !== undefined && src.offset >= limit) {
        yield await packagedEnd(this, blobs);
        continue;
      }
      this.options.onProgress?.(src.offset);
      if (src.available < 1) await src.need(1, [], 'the item list (no EOF byte)');
      const at = src.offset;
      const type = src.u8();
      switch (type) {
        case SectionType.EOF:
          yield { type: 'eof', offset: at };
          if (blobs.length === 0) return;
          yield await packagedEnd(this, blobs);
          break;
        case SectionType.START:
        case SectionType.FULL:
        case SectionType.PART:
        case SectionType.END: {
          const item = await sectionHeader(this, type, at);
          yield item;
          const path = [sectionLabel(item.idstr, item.instanceId)];
          if (item.idstr === 'ram' && item.kind !== 'full') {
            if (item.version !== 4) {
              fail('unsupported', `RAM section version ${item.version} (only 4 is supported)`, {
                offset: at,
                path,
                details: { version: item.version },
              });
            }
            yield* this.ramRecords(path);
          } else if (item.kind === 'full') {
            yield await device(this, item, path);
          } else {
            yield await opaque(this, item, path);
          }
          yield await footer(this, item.sectionId, path);
          break;
        }
        case SectionType.COMMAND: {
          const item = await command(this, at);
          yield item;
          if (item.cmd === Command.PACKAGED) {
            const d = item.data;
            const size =
              ((d[0] as number) * 2 ** 24 +
                (((d[1] as number) << 16) | ((d[2] as number) << 8) | (d[3] as number))) >>>
              0;
            blobs.push(src.offset + size);
          }
          break;
        }
        default:
          fail('unexpected-byte', `unknown section type ${hex2(type)}`, { offset: at, details: { type } });
      }
      const end = blobs[blobs.length - 1];
      if (end !== undefined && src.offset > end) {
        fail('truncated', 'an item runs past the end of its PACKAGED blob', { offset: end });
      }
    }
  }

  /**
   * A RAM section's records up to its EOS, parsed synchronously while enough bytes are buffered.
   * With `ramPages: 'count'`, page and zero-page records are counted in bulk inside the window and
   * come out as one `ram-skipped` item per run.
   */
  private async *ramRecords(path: string[]): AsyncGenerator<StreamItem> {
    const src = this.src;
    const ram = this.ram;
    const worst = 8 + 256 + ram.pageSize;
    const progress = this.options.onProgress;
    const count = this.options.ramPages === 'count';
    let skipped: { type: 'ram-skipped'; offset: number; pages: number; zeroPages: number } | undefined;
    for (let n = 1; ; n++) {
      if (src.available < worst && !src.done) await src.fill(worst);
      if (progress && (n & 1023) === 0) progress(src.offset);
      if (count) {
        const at = src.offset;
        const run = ram.skipPages();
        if (run.pages + run.zeroPages > 0) {
          skipped ??= { type: 'ram-skipped', offset: at, pages: 0, zeroPages: 0 };
          skipped.pages += run.pages;
          skipped.zeroPages += run.zeroPages;
          if (src.available < worst && !src.done) continue;
        }
      }
      let record = ram.record(path);
      if (record === MEM_SIZE_RECORD) record = await ram.blockList(path, this.config, this.inputSize);
      if (count && (record.type === 'ram-page' || record.type === 'ram-zero')) {
        skipped ??= { type: 'ram-skipped', offset: record.offset ?? src.offset, pages: 0, zeroPages: 0 };
        if (record.type === 'ram-page') skipped.pages++;
        else skipped.zeroPages++;
        continue;
      }
      if (skipped) yield skipped;
      skipped = undefined;
      yield record;
      if (record.type === 'ram-eos') break;
    }
  }
}
