import { stat } from 'node:fs/promises';
import { loadFrom, SUBSECTION_MARKER } from '../../codec/index.js';
import type { MigrationContext, Vmsd } from '../../describe/index.js';
import { fail, MigrationError } from '../../errors/index.js';
import { Reader } from '../../wire/index.js';
import { findOpaqueEnd } from './boundary.js';
import { CONFIGURATION_MARKER, capabilitiesOf, readConfiguration } from './configuration.js';
import {
  COMMAND_NAMES,
  Command,
  type CommandItem,
  type ConfigurationItem,
  type SectionItem,
  type SectionKind,
  type StreamItem,
} from './items.js';
import { knownSection } from './known-sections.js';
import { MEM_SIZE_RECORD, RamRecords } from './ram-records.js';
import { SectionType } from './section.js';
import { ByteSource, type StreamSource } from './source.js';
import {
  describedSize,
  findTrailer,
  readTrailer,
  tryParseVmdesc,
  VMDESC_MARKER,
  type VmdescLimits,
} from './trailer.js';
import { fromVmdescBody, isOpenCoded, type Vmdesc, type VmdescEntry } from './vmdesc.js';

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
}

const DEFAULT_MAX_SECTION = 64 << 20;
/** Look-ahead kept beyond a decoded body so QEMU's subsection peek sees what it would (spec §9.2). */
const PEEK_MARGIN = 2 + 255 + 5;
const FIXED_COMMAND_LENGTH: Readonly<Record<number, readonly number[]>> = {
  [Command.OPEN_RETURN_PATH]: [0],
  [Command.PING]: [4],
  [Command.POSTCOPY_ADVISE]: [0, 16],
  [Command.POSTCOPY_LISTEN]: [0],
  [Command.POSTCOPY_RUN]: [0],
  [Command.PACKAGED]: [4],
  [Command.ENABLE_COLO]: [0],
  [Command.POSTCOPY_RESUME]: [0],
  [Command.SWITCHOVER_START]: [0],
};

function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

function sectionLabel(idstr: string, instanceId: number): string {
  return `${idstr} (${instanceId})`;
}

interface KnownSection {
  readonly idstr: string;
  readonly instanceId: number;
  readonly version: number;
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

class StreamReader {
  private readonly src: ByteSource;
  private readonly sections = new Map<number, KnownSection>();
  private readonly startIds = new Set<number>();
  private footers: boolean | undefined;
  private vmdesc: Vmdesc | undefined;
  private vmdescText: string | undefined;
  private readonly entries = new Map<string, { list: VmdescEntry[]; next: number }>();
  private readonly entryIndex = new Map<VmdescEntry, number>();
  private readonly descCache = new WeakMap<VmdescEntry, Vmsd>();
  private readonly ram: RamRecords;
  private config: ConfigurationItem | undefined;
  private readonly maxSection: number;

  constructor(
    private readonly source: StreamSource,
    private readonly options: ReadOptions,
  ) {
    this.src = new ByteSource(source);
    this.ram = new RamRecords(this.src, options);
    this.footers = options.footers === 'auto' || options.footers === undefined ? undefined : options.footers;
    this.maxSection = options.maxSectionBytes ?? DEFAULT_MAX_SECTION;
  }

  private useVmdesc(v: Vmdesc): void {
    this.vmdesc = v;
    this.entries.clear();
    this.entryIndex.clear();
    v.devices.forEach((d, i) => {
      this.entryIndex.set(d, i);
    });
    for (const d of v.devices) {
      const key = `${d.name}\u0000${d.instance_id}`;
      const slot = this.entries.get(key);
      if (slot) slot.list.push(d);
      else this.entries.set(key, { list: [d], next: 0 });
    }
  }

  /** The input's size, when it is known before reading (a file path or bytes). */
  private inputSize: number | undefined;

  private async prepare(): Promise<void> {
    const o = this.options;
    if (this.source instanceof Uint8Array) this.inputSize = this.source.length;
    else if (typeof this.source === 'string') {
      try {
        const st = await stat(this.source);
        // A FIFO or device has no size to go by.
        if (st.isFile()) this.inputSize = st.size;
      } catch {
        // Opening it reports what is wrong.
      }
    }
    if (o.vmdesc !== undefined && o.vmdesc !== 'auto' && o.vmdesc !== 'none') this.useVmdesc(o.vmdesc);
    else if (o.vmdesc !== 'none') {
      let found: { text: string; vmdesc?: Vmdesc; problem?: string } | undefined;
      if (typeof this.source === 'string') {
        found = await readTrailer(this.source, o.vmdescLimits);
      } else if (this.source instanceof Uint8Array) {
        const bytes = this.source;
        const window = Math.min(bytes.length, (o.vmdescLimits?.maxBytes ?? 64 << 20) + 6);
        const at = findTrailer(bytes.subarray(bytes.length - window), bytes.length - window);
        if (at && at !== 'more') {
          // A device cannot describe more bytes than the whole stream has.
          const maxDeviceBytes = Math.min(o.vmdescLimits?.maxDeviceBytes ?? 64 << 20, bytes.length);
          found = tryParseVmdesc(at.bytes, at.offset, { ...o.vmdescLimits, maxDeviceBytes });
        }
      }
      // A damaged vmdesc: the sections are read without it, as for a stream that has none.
      if (found?.vmdesc) {
        this.useVmdesc(found.vmdesc);
        this.vmdescText = found.text;
      }
    }
    const size = o.pageSize ?? this.vmdesc?.page_size;
    if (size !== undefined) this.ram.setPageSize(size);
  }

  async *run(): AsyncGenerator<StreamItem> {
    const src = this.src;
    try {
      await this.prepare();
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
      await this.trailer();
      if (this.trailerItem) yield this.trailerItem;
    } catch (e) {
      throw e instanceof MigrationError ? e : asInternal(e, src.offset);
    } finally {
      await src.close();
    }
  }

  private trailerItem: StreamItem | undefined;

  private async trailer(): Promise<void> {
    const src = this.src;
    if (!(await src.fill(1))) return;
    const at = src.offset;
    if (src.peek(0) !== VMDESC_MARKER) {
      fail(
        'trailing-bytes',
        `byte ${hex2(src.peek(0) as number)} after the EOF byte (expected the vmdesc, 0x06)`,
        {
          offset: at,
        },
      );
    }
    await src.need(5, ['vmdesc'], 'the vmdesc header');
    src.u8();
    const len = src.u32();
    const max = this.options.vmdescLimits?.maxBytes ?? 64 << 20;
    if (len > max) {
      fail('bound-exceeded', `vmdesc of ${len} bytes (limit ${max})`, {
        offset: at + 1,
        path: ['vmdesc'],
        details: { length: len, max },
      });
    }
    await src.need(len, ['vmdesc'], 'the vmdesc JSON');
    const bytes = src.take(len);
    if (await src.fill(1)) {
      fail('trailing-bytes', 'bytes after the vmdesc', { offset: src.offset });
    }
    const parsed = tryParseVmdesc(bytes, at + 5, this.options.vmdescLimits);
    const text = parsed.text;
    const exact = Buffer.from(text, 'utf8').equals(bytes) ? {} : { bytes };
    if (parsed.problem !== undefined || !parsed.vmdesc) {
      // Damaged, but whole (marker, length and that many bytes): carried as it is. QEMU never
      // reads it; the sections were read without it.
      this.trailerItem = {
        type: 'vmdesc',
        offset: at,
        text,
        vmdesc: { devices: [] } as unknown as Vmdesc,
        ...exact,
        damaged: parsed.problem ?? 'unreadable',
      };
      return;
    }
    // The same text as the trailer read up front: parsed once.
    const vmdesc = this.vmdescText === text && this.vmdesc ? this.vmdesc : parsed.vmdesc;
    const misfits = this.vmdescMismatches;
    this.trailerItem = {
      type: 'vmdesc',
      offset: at,
      text,
      vmdesc,
      ...exact,
      ...(misfits.length === 0
        ? {}
        : {
            damaged: `it does not fit ${misfits.length} section(s), read without it (${misfits.join('; ')})`,
          }),
    };
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
        yield await this.packagedEnd(blobs);
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
          yield await this.packagedEnd(blobs);
          break;
        case SectionType.START:
        case SectionType.FULL:
        case SectionType.PART:
        case SectionType.END: {
          const item = await this.sectionHeader(type, at);
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
            yield await this.device(item, path);
          } else {
            yield await this.opaque(item, path);
          }
          yield await this.footer(item.sectionId, path);
          break;
        }
        case SectionType.COMMAND: {
          const item = await this.command(at);
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

  /** Closes the innermost PACKAGED blob, carrying any bytes left in it after its nested EOF. */
  private async packagedEnd(blobs: number[]): Promise<StreamItem> {
    const src = this.src;
    const limit = blobs.pop() as number;
    const restLength = limit - src.offset;
    const path = ['command PACKAGED'];
    if (restLength < 0)
      fail('truncated', 'an item runs past the end of its PACKAGED blob', { offset: limit, path });
    if (restLength > this.maxSection) {
      fail('bound-exceeded', `${restLength} bytes left in a PACKAGED blob`, { offset: src.offset, path });
    }
    await src.need(restLength, path, 'the rest of a PACKAGED blob');
    return { type: 'packaged-end', offset: src.offset, rest: src.take(restLength) };
  }

  private async sectionHeader(type: number, at: number): Promise<SectionItem> {
    const src = this.src;
    let kind: SectionKind;
    let id: number;
    let known: KnownSection;
    if (type === SectionType.START || type === SectionType.FULL) {
      kind = type === SectionType.START ? 'start' : 'full';
      await src.need(6, [], 'a section header');
      id = src.u32();
      const n = src.peek(0) as number;
      if (n === 0) fail('unexpected-byte', 'a section idstr cannot be empty', { offset: src.offset });
      await src.need(1 + n + 8, [], 'a section header');
      const idstr = src.str8();
      const instanceId = src.u32();
      const version = src.u32();
      known = { idstr, instanceId, version };
      this.sections.set(id, known);
      if (kind === 'start') this.startIds.add(id);
    } else {
      kind = type === SectionType.PART ? 'part' : 'end';
      await src.need(4, [], 'a section header');
      id = src.u32();
      const found = this.sections.get(id);
      if (!found || !this.startIds.has(id)) {
        return fail(
          'unknown-section',
          `${kind.toUpperCase()} section for section id ${id}, which no START opened`,
          {
            offset: at,
            details: { sectionId: id },
          },
        );
      }
      known = found;
    }
    return { type: 'section', offset: at, kind, sectionId: id, ...known };
  }

  private async footer(id: number, path: string[]): Promise<StreamItem> {
    const src = this.src;
    const at = src.offset;
    if (this.footers === undefined) {
      // 0x7E never starts an item, so it can only be a footer; a stream with a configuration
      // section comes from a machine type that also sends footers (both arrived in 2.4).
      await src.fill(1);
      this.footers = src.peek(0) === SectionType.FOOTER || this.config !== undefined;
    }
    if (!this.footers) return { type: 'section-end', offset: at, sectionId: id, footer: false };
    await src.need(1, path, 'the section footer');
    const marker = src.u8();
    if (marker === SUBSECTION_MARKER && src.done && src.available < 1 + (src.peek(0) ?? 0) + 4) {
      // QEMU's subsection peek gives up at the end of input; what is missing is the input's end.
      fail('truncated', 'the input ends inside a subsection header', { offset: at, path });
    }
    if (marker !== SectionType.FOOTER) {
      const why =
        marker === SUBSECTION_MARKER
          ? 'a subsection its description does not have, or a damaged footer'
          : 'the section body ends here by its description: a damaged subsection marker (0x05) or footer, or a body of another layout';
      fail('bad-footer', `missing section footer: found ${hex2(marker)} instead of 0x7e (${why})`, {
        offset: at,
        path,
        details: { found: marker },
      });
    }
    await src.need(4, path, 'the section footer');
    const got = src.u32();
    if (got !== id) {
      fail('bad-footer', `section footer names section ${got}, expected ${id}`, {
        offset: at + 1,
        path,
        details: { found: got, expected: id },
      });
    }
    return { type: 'section-end', offset: at, sectionId: id, footer: true };
  }

  private entryFor(idstr: string, instanceId: number): VmdescEntry | undefined {
    const slot = this.entries.get(`${idstr}\u0000${instanceId}`);
    if (!slot) return undefined;
    const e = slot.list[Math.min(slot.next, slot.list.length - 1)];
    slot.next++;
    return e;
  }

  private descOf(entry: VmdescEntry, path: string[]): Vmsd {
    let d = this.descCache.get(entry);
    if (!d) {
      try {
        d = fromVmdescBody(entry as Parameters<typeof fromVmdescBody>[0]);
      } catch (e) {
        throw e instanceof MigrationError ? e.within(...path) : asInternal(e, this.src.offset);
      }
      this.descCache.set(entry, d);
    }
    return d;
  }

  private async device(s: SectionItem, path: string[]): Promise<StreamItem> {
    const offset = this.src.offset;
    const own = this.options.descriptions?.(s);
    if (own) {
      const { state, body } = await this.decode(own, s.version, path);
      return { type: 'device', offset, decodedBy: 'description', desc: own, state, body };
    }
    const entry = this.entryFor(s.idstr, s.instanceId);
    if (!entry && this.footers === false && !this.vmdesc) {
      // Nothing else can delimit it: QEMU's own fixed layout, for the few sections it is known.
      const known = knownSection(s);
      if (known) {
        const { state, body } = await this.decode(known, s.version, path);
        return { type: 'device', offset, decodedBy: 'description', desc: known, state, body };
      }
    }
    if (entry && isOpenCoded(entry)) {
      const src = this.src;
      await src.need(entry.size, path, 'an open-coded section (size from the vmdesc)');
      return {
        type: 'opaque',
        offset: src.offset,
        body: src.take(entry.size),
        boundary: 'vmdesc-size',
        vmdesc: entry,
        vmdescIndex: this.entryIndex.get(entry) as number,
      };
    }
    if (entry) {
      let desc: Vmsd;
      try {
        desc = this.descOf(entry, path);
      } catch (e) {
        // A vmdesc entry no description can be built from (7.2 NULL-pointer quirks): opaque bytes.
        if (e instanceof MigrationError && e.code === 'invalid-description') return this.opaque(s, path);
        throw e;
      }
      let decoded: { state: Record<string, unknown>; body: Uint8Array };
      try {
        decoded = await this.decode(desc, s.version, path, true);
      } catch (e) {
        const fallback = e instanceof MigrationError ? await this.mismatch(s, entry, path) : undefined;
        if (fallback) return fallback;
        throw e;
      }
      const { state, body } = decoded;
      const vmdescIndex = this.entryIndex.get(entry) as number;
      return { type: 'device', offset, decodedBy: 'vmdesc', desc, state, body, vmdesc: entry, vmdescIndex };
    }
    return this.opaque(s, path);
  }

  /**
   * A section its vmdesc entry could not decode. When the footer puts its end elsewhere than the
   * entry's size says, the vmdesc is what is wrong (QEMU never reads it): the section is carried as
   * opaque bytes and `vmdescMismatches` says so. When the sizes agree, the body itself is damaged:
   * undefined, and the decoding error stands.
   */
  private async mismatch(
    s: SectionItem,
    entry: VmdescEntry,
    path: string[],
  ): Promise<StreamItem | undefined> {
    const footers = this.footers ?? this.config !== undefined;
    if (!footers) return undefined;
    const size = describedSize(entry);
    const start = this.src.offset;
    let length: number;
    try {
      length = await findOpaqueEnd(
        this.src,
        s.sectionId,
        true,
        { startIds: this.startIds },
        this.maxSection,
        path,
      );
    } catch (e) {
      if (e instanceof MigrationError) return undefined;
      throw e;
    }
    if (size === length) return undefined;
    this.vmdescMismatches.push(
      `${path[0]}: the vmdesc describes ${size ?? 'an unknown number of'} bytes, its footer ends it after ${length}`,
    );
    return { type: 'opaque', offset: start, body: this.src.take(length), boundary: 'footer' };
  }

  /** Sections read without their vmdesc entry because it does not fit them (see `mismatch`). */
  readonly vmdescMismatches: string[] = [];

  private async opaque(s: SectionItem, path: string[]): Promise<StreamItem> {
    const src = this.src;
    const footers = this.footers ?? this.config !== undefined;
    const n = await findOpaqueEnd(
      src,
      s.sectionId,
      footers,
      { startIds: this.startIds },
      this.maxSection,
      path,
    );
    const offset = src.offset;
    return { type: 'opaque', offset, body: src.take(n), boundary: footers ? 'footer' : 'heuristic' };
  }

  /**
   * Decodes one body from the window, buffering more until the outcome cannot depend on bytes
   * not yet read (a subsection peek looks up to 257 bytes ahead).
   */
  private async decode(
    desc: Vmsd,
    version: number,
    path: string[],
    checkFooter = false,
  ): Promise<{ state: Record<string, unknown>; body: Uint8Array }> {
    const src = this.src;
    if (src.available < 65536) await src.fill(65536);
    for (;;) {
      const r = new Reader(src.buf.subarray(src.pos, src.end), { base: src.offset });
      let state: Record<string, unknown> | undefined;
      let error: MigrationError | undefined;
      try {
        state = loadFrom(desc, r, {
          version,
          ...(this.options.ctx ? { ctx: this.options.ctx } : {}),
        }) as Record<string, unknown>;
      } catch (e) {
        error = e instanceof MigrationError ? e : asInternal(e, r.offset);
      }
      const trusted = src.done || (error?.code !== 'truncated' && r.pos + PEEK_MARGIN <= src.available);
      if (trusted) {
        if (error) throw error.within(...path);
        // With `checkFooter`, a body that does not end at its footer fails before anything is taken,
        // so the caller can read the section another way (a vmdesc entry that does not fit).
        if (checkFooter && (this.footers ?? this.config !== undefined)) {
          const at = src.pos + r.pos;
          // A footer naming another section is left to `footer`, which says which.
          const ok = at < src.end && src.buf[at] === SectionType.FOOTER;
          if (!ok) {
            const found = at < src.end ? hex2(src.buf[at] as number) : 'the end of the input';
            fail(
              'bad-footer',
              `the section body ends here by its description, but its footer does not follow (found ${found}): ` +
                'a damaged subsection marker (0x05) or footer, or a body of another layout',
              { offset: src.offset + r.pos, path },
            );
          }
        }
        return { state: state as Record<string, unknown>, body: src.take(r.pos) };
      }
      if (src.available >= this.maxSection) {
        fail('bound-exceeded', `section body larger than the limit of ${this.maxSection} bytes`, {
          offset: src.offset,
          path,
          details: { max: this.maxSection },
        });
      }
      await src.fill(
        Math.min(Math.max(src.available * 2, src.available + 65536), this.maxSection + PEEK_MARGIN),
      );
    }
  }

  private async command(at: number): Promise<CommandItem> {
    const src = this.src;
    await src.need(4, ['command'], 'a command header');
    const cmd = src.u16();
    const len = src.u16();
    const name = COMMAND_NAMES[cmd];
    const path = [`command ${name ?? cmd}`];
    if (name === undefined) {
      fail('unexpected-byte', `unknown command ${cmd}`, { offset: at + 1, path, details: { cmd } });
    }
    const fixed = FIXED_COMMAND_LENGTH[cmd];
    if (fixed && !fixed.includes(len)) {
      fail('invalid-value', `command ${name} with length ${len} (expected ${fixed.join(' or ')})`, {
        offset: at + 3,
        path,
        details: { cmd, length: len },
      });
    }
    await src.need(len, path, 'the command data');
    return { type: 'command', offset: at, cmd, data: src.take(len) };
  }
}

/** A non-MigrationError escaping the reader is a bug; it still reaches callers as a MigrationError. */
function asInternal(e: unknown, offset: number): MigrationError {
  const message = e instanceof Error ? e.message : String(e);
  return new MigrationError([
    {
      code: 'other',
      message: `internal error while reading: ${message}`,
      path: [],
      offset,
      details: { cause: message },
    },
  ]);
}
