import type { Vmsd } from '../../describe/index.js';
import type { Vmdesc, VmdescEntry } from './vmdesc.js';

/**
 * The items of a whole migration stream, in stream order (spec §2). The reader yields them and
 * the writer turns the same items back into the same bytes. Every item carries the absolute byte
 * offset where it starts in the input (writers ignore it).
 */
export type StreamItem =
  | HeaderItem
  | ConfigurationItem
  | SectionItem
  | RamBlocksItem
  | RamPageItem
  | RamZeroItem
  | RamFlushItem
  | RamEosItem
  | RamSkippedItem
  | DeviceItem
  | OpaqueItem
  | SectionEndItem
  | CommandItem
  | PackagedEndItem
  | EofItem
  | VmdescItem;

interface At {
  /** Absolute offset of the item's first byte in the input (informational for writers). */
  readonly offset?: number;
}

/** `QEVM`, version 3 (spec §3). */
export interface HeaderItem extends At {
  readonly type: 'header';
  readonly version: 3;
  /** The target page size the reader uses for RAM records (vmdesc `page_size`, option, or 4096). */
  readonly pageSize?: number;
}

/** A subsection of the configuration section (spec §5); `name` is its full wire name. */
export type ConfigSubsection =
  | {
      readonly name: 'configuration/target-page-bits';
      readonly version: number;
      readonly targetPageBits: number;
    }
  | { readonly name: 'configuration/capabilities'; readonly version: number; readonly capabilities: string[] }
  | { readonly name: 'configuration/uuid'; readonly version: number; readonly uuid: Uint8Array };

/** The configuration section (0x07): machine type name and its subsections (spec §5). */
export interface ConfigurationItem extends At {
  readonly type: 'configuration';
  readonly machine: string;
  readonly subsections: readonly ConfigSubsection[];
}

export type SectionKind = 'start' | 'part' | 'end' | 'full';

/**
 * A section header (spec §6.1). For PART/END the identity and version are those of the START the
 * section id refers to (the wire carries only the id). Body items follow, then `section-end`.
 */
export interface SectionItem extends At {
  readonly type: 'section';
  readonly kind: SectionKind;
  readonly sectionId: number;
  readonly idstr: string;
  readonly instanceId: number;
  readonly version: number;
}

/** One RAM block of a MEM_SIZE record (spec §11.2). */
export interface RamBlock {
  readonly name: string;
  /** used_length in bytes. */
  readonly length: bigint;
  /** Present only with postcopy and a block page size unlike the host's. */
  readonly pageSize?: bigint;
  /** Present only with the x-ignore-shared capability: the block's guest address. */
  readonly mrAddr?: bigint;
}

/** The MEM_SIZE record: total size and the block list (ends when the lengths sum to the total). */
export interface RamBlocksItem extends At {
  readonly type: 'ram-blocks';
  readonly total: bigint;
  /** Flag bits of the record as written (MEM_SIZE, possibly CONTINUE). */
  readonly flags: number;
  readonly blocks: readonly RamBlock[];
}

interface RamRecord extends At {
  /** The RAM block the page belongs to. */
  readonly block: string;
  /** Byte offset of the page inside its block. */
  readonly addr: bigint;
  /** True when the record had CONTINUE (same block as the previous page record, name not written). */
  readonly continued: boolean;
}

/**
 * A normal page (PAGE, 0x08). `data` is a view into the reader's buffer, valid only until the
 * iteration moves on: copy it (`data.slice()`) to keep it.
 */
export interface RamPageItem extends RamRecord {
  readonly type: 'ram-page';
  readonly data: Uint8Array;
}

/** A page filled with one byte (ZERO, 0x02); QEMU always sends fill 0. */
export interface RamZeroItem extends RamRecord {
  readonly type: 'ram-zero';
  readonly fill: number;
}

/** MULTIFD_FLUSH (0x200, 8.1+): no payload. */
export interface RamFlushItem extends At {
  readonly type: 'ram-flush';
  /** The address bits of the record header (normally 0). */
  readonly addr: bigint;
  /** The record also had the CONTINUE bit (meaningless here, kept for byte-exact rewriting). */
  readonly continued?: boolean;
}

/** End of one RAM section's records (EOS, 0x10). */
export interface RamEosItem extends At {
  readonly type: 'ram-eos';
  /** The address bits of the record header (normally 0). */
  readonly addr: bigint;
  /** The record also had the CONTINUE bit (meaningless here, kept for byte-exact rewriting). */
  readonly continued?: boolean;
}

/**
 * A run of page and zero-page records read with `ramPages: 'count'`: checked and counted, not
 * kept. A writer cannot write it back (the pages are gone); only analyses that do not print
 * pages ask for it.
 */
export interface RamSkippedItem extends At {
  readonly type: 'ram-skipped';
  readonly pages: number;
  readonly zeroPages: number;
}

/** How a device section's body was understood. */
export type DecodedBy = 'description' | 'vmdesc' | 'opaque';

/**
 * The body of a FULL device section. Decoded sections carry `desc` and `state` (the writer
 * re-encodes them, so edits take effect); every section carries its body bytes.
 */
export interface DeviceItem extends At {
  readonly type: 'device';
  readonly decodedBy: Exclude<DecodedBy, 'opaque'>;
  readonly desc: Vmsd;
  readonly state: Record<string, unknown>;
  /** The body bytes as read (empty when the item was built for writing). */
  readonly body?: Uint8Array;
  /** The stream's vmdesc entry for this section, when there is one, and its index in `devices`. */
  readonly vmdesc?: VmdescEntry;
  readonly vmdescIndex?: number;
}

/**
 * A section body nobody could decode: no description, or an open-coded/iterative section. Its
 * end was found by the rules of spec §16 (`boundary` says which).
 */
export interface OpaqueItem extends At {
  readonly type: 'opaque';
  readonly body: Uint8Array;
  /**
   * `vmdesc-size`: the vmdesc gave the size (open-coded sections); `vmdesc`: a body its vmdesc entry
   * describes, framed by the entry without decoding (`bodies: 'framed'`); `footer`: the next `7e` + section
   * id followed by a plausible item; `heuristic`: no footers, the next plausible section header or EOF.
   */
  readonly boundary: 'vmdesc-size' | 'vmdesc' | 'footer' | 'heuristic' | 'given';
  readonly vmdesc?: VmdescEntry;
  readonly vmdescIndex?: number;
}

/** End of a section: its footer (`7e` + id) when the stream has footers. */
export interface SectionEndItem extends At {
  readonly type: 'section-end';
  readonly sectionId: number;
  readonly footer: boolean;
}

/** Command numbers (spec §12). */
export const Command = {
  OPEN_RETURN_PATH: 1,
  PING: 2,
  POSTCOPY_ADVISE: 3,
  POSTCOPY_LISTEN: 4,
  POSTCOPY_RUN: 5,
  POSTCOPY_RAM_DISCARD: 6,
  PACKAGED: 7,
  ENABLE_COLO: 8,
  POSTCOPY_RESUME: 9,
  RECV_BITMAP: 10,
  SWITCHOVER_START: 11,
} as const;

export const COMMAND_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(Command).map(([k, v]) => [v, k]),
);

/**
 * A command (0x08). For PACKAGED, `data` is the be32 length; the nested items follow (with
 * `depth` one higher) and a `packaged-end` closes them.
 */
export interface CommandItem extends At {
  readonly type: 'command';
  readonly cmd: number;
  readonly data: Uint8Array;
}

/** Closes a PACKAGED blob; `rest` holds bytes of the blob after its nested EOF (normally none). */
export interface PackagedEndItem extends At {
  readonly type: 'packaged-end';
  readonly rest: Uint8Array;
}

/** The EOF byte (0x00): the end of an item list (top level or inside a PACKAGED blob). */
export interface EofItem extends At {
  readonly type: 'eof';
}

/** The trailing JSON description (0x06, be32 length, JSON; spec §13). */
export interface VmdescItem extends At {
  readonly type: 'vmdesc';
  /** The JSON text exactly as in the stream (UTF-8 decoded; see `bytes`). */
  readonly text: string;
  /** Parsed; a damaged vmdesc (see `damaged`) is `{ devices: [] }`. */
  readonly vmdesc: Vmdesc;
  /** The exact bytes, when `text` does not encode back to them (invalid UTF-8); written as they are. */
  readonly bytes?: Uint8Array;
  /** Why the vmdesc could not be used (not JSON, not of the expected shape, not UTF-8). */
  readonly damaged?: string;
}

/** Spec §11.1 RAM record flags. */
export const RamFlag = {
  FULL: 0x001,
  ZERO: 0x002,
  MEM_SIZE: 0x004,
  PAGE: 0x008,
  EOS: 0x010,
  CONTINUE: 0x020,
  XBZRLE: 0x040,
  HOOK: 0x080,
  COMPRESS_PAGE: 0x100,
  MULTIFD_FLUSH: 0x200,
} as const;
