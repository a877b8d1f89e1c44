import { saveTo } from '../../codec/index.js';
import type { MigrationContext } from '../../describe/index.js';
import { fail, MigrationError } from '../../errors/index.js';
import { Writer } from '../../wire/index.js';
import { writeConfiguration } from '../read/configuration.js';
import {
  COMMAND_NAMES,
  Command,
  type CommandItem,
  type DeviceItem,
  type PackagedEndItem,
  type RamBlocksItem,
  RamFlag,
  type RamPageItem,
  type SectionEndItem,
  type SectionItem,
  type StreamItem,
} from '../read/items.js';
import { STREAM_MAGIC, STREAM_VERSION } from '../read/reader.js';
import { SectionType } from '../read/section.js';
import { VMDESC_MARKER } from '../read/trailer.js';

export interface WriteOptions {
  /** Target page size (default 4096, x86). */
  readonly pageSize?: number;
  /** Context for the predicates of the descriptions of device items. */
  readonly ctx?: MigrationContext;
  /**
   * Device items are re-encoded from `desc` + `state` (default), so edited state takes effect;
   * `false` writes their `body` bytes as read.
   */
  readonly reencode?: boolean;
}

interface Open {
  readonly sectionId: number;
  readonly idstr: string;
  readonly instanceId: number;
}

/**
 * Turns stream items back into bytes: the same items the reader yields give the same bytes.
 * Keeps only what framing needs (open section, last RAM block, open PACKAGED blobs).
 */
export class StreamEncoder {
  private w = new Writer(1 << 16);
  /** The other buffer of `takeView`, written out while `w` fills. */
  private spare: Writer | undefined;
  /** Bytes handed out by `take` so far: `w.pos + flushed` is the absolute output offset. */
  private flushed = 0;
  private open: Open | undefined;
  private lastBlock: string | undefined;
  /** Block lengths from the MEM_SIZE records written so far: pages must fall inside them. */
  private readonly blocks = new Map<string, bigint>();
  private readonly packages: { end: number }[] = [];
  private readonly pageSize: number;
  private readonly mask: bigint;

  constructor(private readonly options: WriteOptions = {}) {
    this.pageSize = options.pageSize ?? 4096;
    this.mask = BigInt(this.pageSize - 1);
  }

  /** Absolute offset of the next byte written. */
  get offset(): number {
    return this.flushed + this.w.pos;
  }

  /** Bytes encoded since the last `take`. */
  get pending(): number {
    return this.w.pos;
  }

  /** The bytes encoded since the last call (a copy the caller owns). */
  take(): Uint8Array {
    const out = this.w.finish();
    this.flushed += out.length;
    this.w.reset();
    return out;
  }

  /**
   * The bytes encoded since the last call, without a copy: valid until the next `takeView` (two
   * buffers are used in turn, so one can be written out while the other fills).
   */
  takeView(): Uint8Array {
    const out = this.w.peekBytes();
    this.flushed += out.length;
    const next = this.spare ?? new Writer(1 << 16);
    next.reset();
    this.spare = this.w;
    this.w = next;
    return out;
  }

  private where(): { offset: number; path: string[] } {
    return { offset: this.offset, path: this.open ? [`${this.open.idstr} (${this.open.instanceId})`] : [] };
  }

  private record(addr: bigint, flags: number): void {
    if ((addr & this.mask) !== 0n || addr < 0n || addr > 0xffff_ffff_ffff_ffffn) {
      fail('invalid-value', `RAM address 0x${addr.toString(16)} is not page aligned`, this.where());
    }
    this.w.u64(addr | BigInt(flags));
  }

  private block(name: string, continued: boolean, addr: bigint): void {
    const length = this.blocks.get(name);
    if (length === undefined)
      fail('invalid-value', `RAM block "${name}" was not in a block list`, this.where());
    if (addr + BigInt(this.pageSize) > length) {
      fail('invalid-value', `page 0x${addr.toString(16)} is outside RAM block "${name}"`, this.where());
    }
    if (continued) {
      if (name !== this.lastBlock) {
        fail(
          'invalid-value',
          `a CONTINUE record for block "${name}" after block "${this.lastBlock ?? '(none)'}"`,
          this.where(),
        );
      }
      return;
    }
    this.w.str8(name);
    this.lastBlock = name;
  }

  private needSection(type: string): Open {
    if (!this.open) fail('invalid-value', `a ${type} item outside a section`, this.where());
    return this.open;
  }

  /** Appends one item's bytes. */
  write(item: StreamItem): void {
    switch (item.type) {
      case 'header':
        this.w.u32(STREAM_MAGIC);
        this.w.u32(STREAM_VERSION);
        return;
      case 'configuration':
        writeConfiguration(this.w, item);
        return;
      case 'section':
        this.section(item);
        return;
      case 'section-end':
        this.sectionEnd(item);
        return;
      case 'ram-blocks':
        this.ramBlocks(item);
        return;
      case 'ram-zero':
        this.needSection('ram-zero');
        this.record(item.addr, RamFlag.ZERO | (item.continued ? RamFlag.CONTINUE : 0));
        this.block(item.block, item.continued, item.addr);
        this.w.u8(item.fill);
        return;
      case 'ram-page':
        this.ramPage(item);
        return;
      case 'ram-flush':
        this.needSection('ram-flush');
        this.record(item.addr, RamFlag.MULTIFD_FLUSH | (item.continued ? RamFlag.CONTINUE : 0));
        return;
      case 'ram-skipped':
        // Read with `ramPages: 'count'`: the pages were never kept, so they cannot be written.
        fail('other', "RAM pages read with ramPages: 'count' cannot be written", { path: ['ram'] });
        return;
      case 'ram-eos':
        this.needSection('ram-eos');
        this.record(item.addr, RamFlag.EOS | (item.continued ? RamFlag.CONTINUE : 0));
        return;
      case 'device':
        this.device(item);
        return;
      case 'opaque':
        this.needSection('opaque');
        this.w.bytes(item.body);
        return;
      case 'command':
        this.command(item);
        return;
      case 'packaged-end':
        this.packagedEnd(item);
        return;
      case 'eof':
        if (this.open) fail('invalid-value', 'EOF inside a section', this.where());
        this.w.u8(SectionType.EOF);
        return;
      case 'vmdesc': {
        const bytes = item.bytes ?? Buffer.from(item.text, 'utf8');
        this.w.u8(VMDESC_MARKER);
        this.w.u32(bytes.length);
        this.w.bytes(bytes);
        return;
      }
    }
  }

  private section(item: SectionItem): void {
    const w = this.w;
    if (this.open) fail('invalid-value', 'a section starts before the previous one ended', this.where());
    if (item.kind === 'start' || item.kind === 'full') {
      if (item.idstr.length === 0) fail('invalid-value', 'a section idstr cannot be empty', this.where());
      w.u8(item.kind === 'start' ? SectionType.START : SectionType.FULL);
      w.u32(item.sectionId);
      w.str8(item.idstr);
      w.u32(item.instanceId);
      w.u32(item.version);
    } else {
      w.u8(item.kind === 'part' ? SectionType.PART : SectionType.END);
      w.u32(item.sectionId);
    }
    this.open = { sectionId: item.sectionId, idstr: item.idstr, instanceId: item.instanceId };
  }

  private sectionEnd(item: SectionEndItem): void {
    const open = this.needSection('section-end');
    if (item.sectionId !== open.sectionId) {
      fail(
        'invalid-value',
        `section-end for ${item.sectionId} inside section ${open.sectionId}`,
        this.where(),
      );
    }
    if (item.footer) {
      this.w.u8(SectionType.FOOTER);
      this.w.u32(item.sectionId);
    }
    this.open = undefined;
  }

  private ramBlocks(item: RamBlocksItem): void {
    const w = this.w;
    this.needSection('ram-blocks');
    let sum = 0n;
    for (const b of item.blocks) sum += b.length;
    if (sum !== item.total) {
      fail('invalid-value', `RAM block lengths add up to 0x${sum.toString(16)}, not the total`, this.where());
    }
    if ((item.flags & ~(RamFlag.MEM_SIZE | RamFlag.CONTINUE)) !== 0) {
      fail('invalid-value', `MEM_SIZE record with flags 0x${item.flags.toString(16)}`, this.where());
    }
    this.record(item.total, item.flags | RamFlag.MEM_SIZE);
    for (const b of item.blocks) {
      this.blocks.set(b.name, b.length);
      w.str8(b.name);
      w.u64(b.length);
      if (b.pageSize !== undefined) w.u64(b.pageSize);
      if (b.mrAddr !== undefined) w.u64(b.mrAddr);
    }
  }

  private ramPage(item: RamPageItem): void {
    this.needSection('ram-page');
    if (item.data.length !== this.pageSize) {
      fail(
        'invalid-value',
        `a RAM page of ${item.data.length} bytes (page size ${this.pageSize})`,
        this.where(),
      );
    }
    this.record(item.addr, RamFlag.PAGE | (item.continued ? RamFlag.CONTINUE : 0));
    this.block(item.block, item.continued, item.addr);
    this.w.bytes(item.data);
  }

  private device(item: DeviceItem): void {
    const open = this.needSection('device');
    if (this.options.reencode === false && item.body) {
      this.w.bytes(item.body);
      return;
    }
    try {
      saveTo(item.desc, this.w, item.state as never, this.options.ctx ? { ctx: this.options.ctx } : {});
    } catch (e) {
      throw e instanceof MigrationError ? e.within(`${open.idstr} (${open.instanceId})`) : e;
    }
  }

  private command(item: CommandItem): void {
    const w = this.w;
    if (this.open) fail('invalid-value', 'a command inside a section', this.where());
    if (COMMAND_NAMES[item.cmd] === undefined)
      fail('invalid-value', `unknown command ${item.cmd}`, this.where());
    if (item.data.length > 0xffff)
      fail('invalid-value', 'command data longer than 65535 bytes', this.where());
    w.u8(SectionType.COMMAND);
    w.u16(item.cmd);
    w.u16(item.data.length);
    w.bytes(item.data);
    if (item.cmd === Command.PACKAGED) {
      const d = item.data;
      const n =
        ((d[0] as number) * 2 ** 24 +
          (((d[1] as number) << 16) | ((d[2] as number) << 8) | (d[3] as number))) >>>
        0;
      this.packages.push({ end: this.offset + n });
    }
  }

  private packagedEnd(item: PackagedEndItem): void {
    const p = this.packages.pop();
    if (!p) fail('invalid-value', 'packaged-end without a PACKAGED command', this.where());
    this.w.bytes(item.rest);
    if (this.offset !== p.end) {
      fail(
        'invalid-value',
        `the PACKAGED blob holds ${this.offset - p.end} byte(s) more than its length says`,
        this.where(),
      );
    }
  }
}

/** Encodes a whole list of items into one byte array (for streams that fit in memory). */
export function encodeStream(items: Iterable<StreamItem>, options: WriteOptions = {}): Uint8Array {
  const enc = new StreamEncoder(options);
  for (const item of items) enc.write(item);
  return enc.take();
}

/**
 * The part of a Node Writable the writers use (any `Writable` fits): declared here so the
 * package's types stand without `@types/node`.
 */
export interface WritableSink {
  write(chunk: Uint8Array | string, callback?: (error?: Error | null) => void): boolean;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'drain' | 'error' | 'close', listener: (error?: Error) => void): unknown;
  off(event: 'drain' | 'error' | 'close', listener: (error?: Error) => void): unknown;
}

/** Where `writeStream` puts bytes: a Writable, or a function (may return a promise to pace). */
export type StreamSink = WritableSink | ((chunk: Uint8Array) => void | Promise<void>);

const FLUSH_AT = 1 << 20;

/**
 * Writes items to a sink as they come, in chunks of about 1 MiB (memory does not grow with the
 * stream). Resolves with the number of bytes written.
 */
export async function writeStream(
  items: AsyncIterable<StreamItem> | Iterable<StreamItem>,
  sink: StreamSink,
  options: WriteOptions = {},
): Promise<number> {
  const enc = new StreamEncoder(options);
  const out = typeof sink === 'function' ? copiesTo(enc, sink) : new WritableOutput(enc, sink);
  try {
    if (Symbol.iterator in items) {
      // Items made synchronously (a lossless document): no promise per item, only per chunk.
      for (const item of items) {
        enc.write(item);
        if (enc.pending >= FLUSH_AT) await out.flush();
      }
    } else {
      for await (const item of items) {
        enc.write(item);
        if (enc.pending >= FLUSH_AT) await out.flush();
      }
    }
    if (enc.pending > 0) await out.flush();
    await out.done();
  } finally {
    out.release();
  }
  return enc.offset;
}

interface Output {
  /** Hands the bytes encoded so far to the sink. */
  flush(): Promise<void>;
  /** Resolves once everything handed over is written. */
  done(): Promise<void>;
  release(): void;
}

/** A function sink gets copies: it may keep them. */
function copiesTo(enc: StreamEncoder, sink: (chunk: Uint8Array) => void | Promise<void>): Output {
  return {
    flush: async () => await sink(enc.take()),
    done: async () => undefined,
    release: () => undefined,
  };
}

/**
 * Writes chunks to a Writable one at a time: a chunk is handed over only after the one before it
 * was written, so the caller may refill a buffer once the write after it has started (two buffers
 * in turn, no copy). A sink that fails (ENOSPC, EPIPE) or closes ends the write with its error.
 */
export class SinkWriter {
  private failed: Error | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly onError = (e?: Error) => {
    this.failed ??= e;
  };

  constructor(private readonly sink: WritableSink) {
    sink.on('error', this.onError);
  }

  /** Waits for the previous chunk, then hands this one over. */
  async write(chunk: Uint8Array): Promise<void> {
    await this.done();
    this.inFlight = new Promise<void>((res, rej) => {
      const onClose = () => rej(Object.assign(new Error('the output was closed'), { code: 'EPIPE' }));
      this.sink.once('close', onClose);
      this.sink.write(chunk, (e) => {
        this.sink.off('close', onClose);
        if (e) rej(e);
        else res();
      });
    });
    // Failures surface at the next write or at `done`; this one is not left unobserved meanwhile.
    this.inFlight.catch(() => undefined);
  }

  /** Resolves once everything handed over is written. */
  async done(): Promise<void> {
    if (this.failed) throw this.failed;
    await this.inFlight;
    if (this.failed) throw this.failed;
  }

  release(): void {
    this.sink.off('error', this.onError);
  }
}

/** Writes every chunk through a `SinkWriter` (memory holds the chunk in flight and the next). */
export async function writeChunks(chunks: Iterable<Uint8Array>, sink: WritableSink): Promise<void> {
  const out = new SinkWriter(sink);
  try {
    for (const chunk of chunks) await out.write(chunk);
    await out.done();
  } finally {
    out.release();
  }
}

/** A Writable gets the encoder's own buffers, two in turn, through a `SinkWriter`. */
class WritableOutput implements Output {
  private readonly out: SinkWriter;

  constructor(
    private readonly enc: StreamEncoder,
    sink: WritableSink,
  ) {
    this.out = new SinkWriter(sink);
  }

  async flush(): Promise<void> {
    // The buffer `takeView` hands back for filling is the one in flight until this resolves.
    await this.out.done();
    await this.out.write(this.enc.takeView());
  }

  done(): Promise<void> {
    return this.out.done();
  }

  release(): void {
    this.out.release();
  }
}
