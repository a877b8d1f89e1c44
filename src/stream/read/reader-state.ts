import type { Vmsd } from '../../describe/index.js';
import { MigrationError } from '../../errors/index.js';
import type { ConfigurationItem, StreamItem } from './items.js';
import { RamRecords } from './ram-records.js';
import type { ReadOptions } from './reader.js';
import { ByteSource, type StreamSource } from './source.js';
import { fromVmdescBody, type Vmdesc, type VmdescEntry } from './vmdesc.js';
import { VmdescEntries } from './vmdesc-entries.js';

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
  private entries = new VmdescEntries(undefined);
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
    this.entries = new VmdescEntries(v);
  }

  /** The vmdesc entry for the next section with this identity. */
  entryFor(idstr: string, instanceId: number): VmdescEntry | undefined {
    return this.entries.next(idstr, instanceId);
  }

  /** An entry's index in the vmdesc's `devices`. */
  entryIndex(entry: VmdescEntry): number {
    return this.entries.index.get(entry) as number;
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
