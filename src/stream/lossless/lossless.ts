import { saveDescribed } from '../../codec/index.js';
import type { Vmsd } from '../../describe/index.js';
import { fail, type MigrationError } from '../../errors/index.js';
import { pyJson } from '../analyze/pyjson.js';
import { type JsonValue, stateFromJson, stateToJson } from '../analyze/state-json.js';
import {
  COMMAND_NAMES,
  type ConfigSubsection,
  type DeviceItem,
  type RamBlock,
  type RamPageItem,
  type StreamItem,
  type VmdescItem,
} from '../read/items.js';
import type { VmdescEntry } from '../read/vmdesc.js';
import { type DocItem, hex64, LOSSLESS_FORMAT, type LosslessDoc } from './format.js';

/** Stream items to the lossless document (format.ts), as items or as its text. */

export { type DocItem, LOSSLESS_FORMAT, type LosslessDoc } from './format.js';
export {
  type AssembleOptions,
  checkLossless,
  itemsFromLossless,
  itemsOf,
  type LosslessVmdesc,
  vmdescOfItem,
} from './from-document.js';

type J = DocItem;

const hexText = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const base64Text = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

interface ZeroRun {
  block: string;
  addr: bigint;
  pages: number;
  fill: number;
  continued: boolean;
}

/** Builds the lossless document from the reader's items, one at a time. */
export class LosslessBuilder {
  private readonly items: J[] = [];
  private run: ZeroRun | undefined;
  private readonly step: bigint;

  /**
   * With `onItem`, each finished document item goes there instead of being kept (`finish` then
   * returns a document without items): a document of any size, written as it is made.
   */
  constructor(
    private readonly pageSize = 4096,
    private readonly onItem?: (item: { [k: string]: JsonValue }) => void,
  ) {
    this.step = BigInt(pageSize);
  }

  private emit(item: J): void {
    if (this.onItem) this.onItem(item);
    else this.items.push(item);
  }

  /** Ends a pending run of zero pages (its item is emitted). */
  flushRun(): void {
    const r = this.run;
    if (!r) return;
    this.emit({
      zero: { block: r.block, addr: hex64(r.addr), continued: r.continued, pages: r.pages, fill: r.fill },
    });
    this.run = undefined;
  }

  add(item: StreamItem): void {
    if (item.type === 'ram-zero') {
      const r = this.run;
      if (
        r &&
        item.continued &&
        item.block === r.block &&
        item.fill === r.fill &&
        item.addr === r.addr + BigInt(r.pages) * this.step
      ) {
        r.pages++;
        return;
      }
      this.flushRun();
      this.run = { block: item.block, addr: item.addr, pages: 1, fill: item.fill, continued: item.continued };
      return;
    }
    this.flushRun();
    this.emit(entryOf(item));
  }

  finish(): LosslessDoc {
    this.flushRun();
    return { format: LOSSLESS_FORMAT, pageSize: this.pageSize, items: this.items };
  }
}

/**
 * `JSON.stringify(doc, null, 1)` plus a newline, item by item: the same text without ever making
 * one string of it (a string of a big guest's pages would pass V8's string length limit).
 */
export function* losslessChunks(doc: LosslessDoc): Generator<string> {
  yield losslessHead(doc.pageSize);
  let first = true;
  for (const item of doc.items) {
    yield losslessItemText(item, first);
    first = false;
  }
  yield losslessTail(first);
}

/** The text before the first item (see `losslessChunks`). */
export function losslessHead(pageSize: number): string {
  return `{\n "format": ${JSON.stringify(LOSSLESS_FORMAT)},\n "pageSize": ${JSON.stringify(pageSize)},\n "items": [`;
}

/** One item's text (see `losslessChunks`). */
export function losslessItemText(item: { [k: string]: JsonValue }, first: boolean): string {
  const page = pageItemText(item);
  if (page !== undefined) return `${first ? '' : ','}\n  ${page}`;
  return `${first ? '' : ','}\n  ${JSON.stringify(item, null, 1).replace(/\n/g, '\n  ')}`;
}

/** The text after the last item; `empty` when there was none (see `losslessChunks`). */
export function losslessTail(empty: boolean): string {
  return empty ? ']\n}\n' : '\n ]\n}\n';
}

/**
 * A page's text: the same characters `JSON.stringify({ page: … }, null, 1)` re-indented gives.
 * `base64` must be JSON-safe as it is (base64 text always is).
 */
function pageText(block: string, addr: string, continued: boolean, base64: string): string {
  return `{\n   "page": {\n    "block": ${JSON.stringify(block)},\n    "addr": "${addr}",\n    "continued": ${continued},\n    "base64": "${base64}"\n   }\n  }`;
}

/** A page item's text without building and re-scanning a second string; undefined for other shapes. */
function pageItemText(item: { [k: string]: JsonValue }): string | undefined {
  const p = item.page;
  if (p === undefined || p === null || typeof p !== 'object' || Array.isArray(p)) return undefined;
  const keys = Object.keys(p);
  if (keys.length !== 4 || Object.keys(item).length !== 1) return undefined;
  const { block, addr, continued, base64 } = p;
  if (keys[0] !== 'block' || keys[1] !== 'addr' || keys[2] !== 'continued' || keys[3] !== 'base64')
    return undefined;
  if (typeof block !== 'string' || typeof addr !== 'string' || typeof continued !== 'boolean')
    return undefined;
  if (typeof base64 !== 'string' || !/^0x[0-9a-f]+$/.test(addr)) return undefined;
  return pageText(block, addr, continued, JSON.stringify(base64).slice(1, -1));
}

const TEXT_BATCH = 64 << 10;

/**
 * The lossless document's text, made as the stream is read and handed out in pieces of about
 * 1 MiB (one write per piece, not per item). Pages, most of a big stream, go from the stream item
 * straight to text.
 */
export class LosslessText {
  private readonly builder: LosslessBuilder;
  private readonly pieces: string[] = [];
  private size = 0;
  private started = false;
  private items = 0;

  constructor(
    private readonly pageSize: number,
    private readonly out: (text: string) => void | Promise<void>,
  ) {
    this.builder = new LosslessBuilder(pageSize, (item) =>
      this.push(losslessItemText(item, this.items === 0)),
    );
  }

  private push(text: string): void {
    if (!this.started) {
      this.started = true;
      this.pieces.push(losslessHead(this.pageSize));
    }
    // A comma goes before every item but the first (losslessItemText's `first`).
    this.items++;
    this.pieces.push(text);
    this.size += text.length;
  }

  add(item: StreamItem): void {
    if (item.type !== 'ram-page') {
      this.builder.add(item);
      return;
    }
    this.builder.flushRun();
    const text = pageText(item.block, hex64(item.addr), item.continued, base64Text(item.data));
    this.push(this.items === 0 ? `\n  ${text}` : `,\n  ${text}`);
  }

  /** Whether enough text waits to be worth a write (`flush`). */
  get full(): boolean {
    return this.size >= TEXT_BATCH;
  }

  /** Hands the waiting text out. */
  async flush(): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.pieces.push(losslessHead(this.pageSize));
    }
    if (this.pieces.length === 0) return;
    const text = this.pieces.length === 1 ? (this.pieces[0] as string) : this.pieces.join('');
    this.pieces.length = 0;
    this.size = 0;
    await this.out(text);
  }

  /**
   * Ends the document. A stream rejected half-way (`rejected`) ends with a `rejected` item: the
   * text handed out is not the stream, and `assemble` refuses it; it stays JSON.
   */
  async end(rejected?: MigrationError): Promise<void> {
    this.builder.flushRun();
    if (rejected) this.push(losslessItemText(rejectedEntry(rejected), this.items === 0));
    await this.flush();
    await this.out(losslessTail(this.items === 0));
  }
}

function configToJson(s: ConfigSubsection): J {
  if (s.name === 'configuration/uuid') return { name: s.name, version: s.version, uuid: hexText(s.uuid) };
  if (s.name === 'configuration/capabilities')
    return { name: s.name, version: s.version, capabilities: [...s.capabilities] };
  return { name: s.name, version: s.version, targetPageBits: s.targetPageBits };
}

function block(b: RamBlock): J {
  return {
    name: b.name,
    length: hex64(b.length),
    ...(b.pageSize === undefined ? {} : { pageSize: hex64(b.pageSize) }),
    ...(b.mrAddr === undefined ? {} : { mrAddr: hex64(b.mrAddr) }),
  };
}

function entryOf(item: StreamItem): J {
  switch (item.type) {
    case 'header':
      return { header: { version: item.version } };
    case 'configuration':
      return { configuration: { machine: item.machine, subsections: item.subsections.map(configToJson) } };
    case 'section': {
      const { kind, sectionId: id, idstr, instanceId: instance, version } = item;
      return { section: { kind, id, idstr, instance, version } };
    }
    case 'section-end':
      return { end: { id: item.sectionId, footer: item.footer } };
    case 'ram-blocks':
      return { blocks: { total: hex64(item.total), flags: item.flags, list: item.blocks.map(block) } };
    case 'ram-zero': {
      const { block, continued, fill } = item;
      return { zero: { block, addr: hex64(item.addr), continued, pages: 1, fill } };
    }
    case 'ram-page':
      return { page: pageEntry(item) };
    case 'ram-skipped':
      return fail('other', "RAM pages read with ramPages: 'count' cannot be written", {
        offset: item.offset ?? 0,
      });
    case 'ram-eos':
    case 'ram-flush': {
      const body: J = {};
      if (item.addr !== 0n) body.addr = hex64(item.addr);
      if (item.continued) body.continued = true;
      return { [item.type === 'ram-eos' ? 'eos' : 'flush']: body };
    }
    case 'device':
      return deviceEntry(item);
    case 'opaque':
      return {
        opaque: {
          boundary: item.boundary,
          ...(item.vmdescIndex === undefined ? {} : { vmdesc: item.vmdescIndex }),
          hex: hexText(item.body),
        },
      };
    case 'command':
      return { command: { cmd: item.cmd, name: COMMAND_NAMES[item.cmd] ?? null, hex: hexText(item.data) } };
    case 'packaged-end':
      return { 'packaged-end': { hex: hexText(item.rest) } };
    case 'eof':
      return { eof: {} };
    case 'vmdesc':
      return { vmdesc: vmdescEntry(item) };
  }
}

function pageEntry(item: RamPageItem): J {
  const { block, continued } = item;
  return { block, addr: hex64(item.addr), continued, base64: base64Text(item.data) };
}

function deviceEntry(item: DeviceItem): J {
  const state = stateToJson(item.desc, item.state);
  // Bytes the typed state cannot give back (a bool byte other than 0 or 1, …) are kept as
  // they are: lossless means the same bytes, so this section is not editable as state.
  if (item.body && !reencodes(item.desc, state, item.body, item.vmdesc)) {
    return {
      opaque: {
        boundary: 'device',
        ...(item.vmdescIndex === undefined ? {} : { vmdesc: item.vmdescIndex }),
        hex: hexText(item.body),
        why: 'its state does not encode back to these bytes and this vmdesc entry (a non-canonical value): kept as bytes',
      },
    };
  }
  const by = item.vmdescIndex === undefined ? { description: item.desc.name } : { vmdesc: item.vmdescIndex };
  return { device: { ...by, state } };
}

function vmdescEntry(item: VmdescItem): J {
  // Not UTF-8: only its bytes say what it is.
  if (item.bytes) return { base64: Buffer.from(item.bytes).toString('base64') };
  // A damaged one is kept as text (it may not be JSON, or be JSON nested beyond any walk).
  if (item.damaged !== undefined && item.vmdesc.devices.length === 0) return { text: item.text };
  const json = JSON.parse(item.text) as JsonValue;
  // The text is kept only when re-serialising the parsed JSON would not give it back
  // (duplicate keys in qtailq/gtree entries do that, and any edit QEMU would not make).
  return pyJson(json) === item.text ? { json } : { json, text: item.text };
}

/** Whether a device's JSON state, read back and encoded, gives exactly the bytes it was read from. */
function reencodes(desc: Vmsd, state: J, body: Uint8Array, entry: VmdescEntry | undefined): boolean {
  try {
    const again = saveDescribed(desc, stateFromJson(desc, state, []) as never);
    if (again.bytes.length !== body.length || !Buffer.from(again.bytes).equals(Buffer.from(body)))
      return false;
    // `assemble` regenerates a vmdesc entry that differs from what the state describes (an edit):
    // an entry that differs already (not as QEMU writes it) must not be touched.
    if (!entry) return true;
    const described = { name: entry.name, instance_id: entry.instance_id, ...again.vmdesc };
    return JSON.stringify(described) === JSON.stringify(entry);
  } catch {
    return false;
  }
}

/** What a stream that was rejected half-way leaves as the last item of its lossless document. */
export function rejectedEntry(e: MigrationError): J {
  const issue = e.issues[0];
  return {
    rejected: {
      code: issue?.code ?? 'other',
      message: issue?.message ?? e.message,
      offset: issue?.offset ?? null,
      path: (issue?.path ?? []).map(String),
    },
  };
}
