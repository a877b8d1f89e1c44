import type { Vmsd } from '../../describe/index.js';
import { MigrationError } from '../../errors/index.js';
import type { ConfigurationItem, StreamItem } from './items.js';
import { RamRecords } from './ram-records.js';
import type { ReadOptions } from './reader.js';
import { ByteSource, type StreamSource } from './source.js';
import { fromVmdescBody, type Vmdesc, type VmdescEntry } from './vmdesc.js';

const DEFAULT_MAX_SECTION = 64 << 20;

export interface KnownSection {
  readonly idstr: string;
  readonly instanceId: number;
  readonly version: number;
}

export function hex2(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

export function sectionLabel(idstr: string, instanceId: number): string {
  return `${idstr} (${instanceId})`;
}

/**
 * What the parts of the reader share while one stream is read: the window, the options, the
 * sections opened so far, whether the stream has footers, its configuration and its vmdesc.
 */
export class ReaderState {
  readonly src: ByteSource;
  readonly sections = new Map<number, KnownSection>();
  readonly startIds = new Set<number>();
  footers: boolean | undefined;
  vmdesc: Vmdesc | undefined;
  vmdescText: string | undefined;
  private readonly entries = new Map<string, { list: VmdescEntry[]; next: number }>();
  readonly entryIndex = new Map<VmdescEntry, number>();
  private readonly descCache = new WeakMap<VmdescEntry, Vmsd>();
  readonly ram: RamRecords;
  config: ConfigurationItem | undefined;
  readonly maxSection: number;
  /** The input's size, when it is known before reading (a file path or bytes). */
  inputSize: number | undefined;
  /** The vmdesc item at the end, once read. */
  trailerItem: StreamItem | undefined;
  /** Sections read without their vmdesc entry because it does not fit them (see `mismatch`). */
  readonly vmdescMismatches: string[] = [];

  constructor(
    readonly source: StreamSource,
    readonly options: ReadOptions,
  ) {
    this.src = new ByteSource(source);
    this.ram = new RamRecords(this.src, options);
    this.footers = options.footers === 'auto' || options.footers === undefined ? undefined : options.footers;
    this.maxSection = options.maxSectionBytes ?? DEFAULT_MAX_SECTION;
  }

  /** Whether sections end with footers (known at the first section, or from the configuration). */
  get hasFooters(): boolean {
    return this.footers ?? this.config !== undefined;
  }

  useVmdesc(v: Vmdesc): void {
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

  entryFor(idstr: string, instanceId: number): VmdescEntry | undefined {
    const slot = this.entries.get(`${idstr}\u0000${instanceId}`);
    if (!slot) return undefined;
    const e = slot.list[Math.min(slot.next, slot.list.length - 1)];
    slot.next++;
    return e;
  }

  descOf(entry: VmdescEntry, path: string[]): Vmsd {
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
}

/** A non-MigrationError escaping the reader is a bug; it still reaches callers as a MigrationError. */
export function asInternal(e: unknown, offset: number): MigrationError {
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
