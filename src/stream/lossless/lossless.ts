import { saveDescribed } from '../../codec/index.js';
import type { MigrationContext, Vmsd } from '../../describe/index.js';
import { fail, MigrationError } from '../../errors/index.js';
import { pyJson } from '../analyze/pyjson.js';
import { type JsonValue, stateFromJson, stateToJson } from '../analyze/state-json.js';
import { CONFIG_SUBSECTIONS } from '../read/configuration.js';
import {
  COMMAND_NAMES,
  Command,
  type ConfigSubsection,
  type RamBlock,
  type SectionKind,
  type StreamItem,
} from '../read/items.js';
import { knownSection } from '../read/known-sections.js';
import type { DescriptionLookup } from '../read/reader.js';
import { parseVmdesc, tryParseVmdesc } from '../read/trailer.js';
import { fromVmdescBody, isOpenCoded, type Vmdesc, type VmdescEntry } from '../read/vmdesc.js';
import { type StreamSink, writeStream } from '../write/writer.js';

/**
 * The lossless JSON form of a stream: every item in order, device state as editable typed JSON
 * (see state-json.ts), RAM pages in base64, runs of zero pages folded. `assemble` turns it back
 * into the same bytes; edited values are re-encoded by the descriptions.
 */
export const LOSSLESS_FORMAT = 'vmstate-lossless/1';

export interface LosslessDoc {
  format: typeof LOSSLESS_FORMAT;
  pageSize: number;
  items: { [k: string]: JsonValue }[];
}

type J = { [k: string]: JsonValue };

const hex64 = (v: bigint): string => `0x${v.toString(16)}`;
const hexText = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

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

  private flushRun(): void {
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
  const page = pageText(item);
  if (page !== undefined) return `${first ? '' : ','}\n  ${page}`;
  return `${first ? '' : ','}\n  ${JSON.stringify(item, null, 1).replace(/\n/g, '\n  ')}`;
}

/**
 * The text of a page item, written directly (most items of a big stream are pages): the same
 * characters `JSON.stringify(item, null, 1)` re-indented gives, without building and re-scanning
 * a second 5 KiB string per page. Undefined for any other shape.
 */
function pageText(item: { [k: string]: JsonValue }): string | undefined {
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
  return `{\n   "page": {\n    "block": ${JSON.stringify(block)},\n    "addr": "${addr}",\n    "continued": ${continued},\n    "base64": ${JSON.stringify(base64)}\n   }\n  }`;
}

/** The text after the last item; `empty` when there was none (see `losslessChunks`). */
export function losslessTail(empty: boolean): string {
  return empty ? ']\n}\n' : '\n ]\n}\n';
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
    case 'section':
      return {
        section: {
          kind: item.kind,
          id: item.sectionId,
          idstr: item.idstr,
          instance: item.instanceId,
          version: item.version,
        },
      };
    case 'section-end':
      return { end: { id: item.sectionId, footer: item.footer } };
    case 'ram-blocks':
      return { blocks: { total: hex64(item.total), flags: item.flags, list: item.blocks.map(block) } };
    case 'ram-zero':
      return {
        zero: {
          block: item.block,
          addr: hex64(item.addr),
          continued: item.continued,
          pages: 1,
          fill: item.fill,
        },
      };
    case 'ram-page':
      return {
        page: {
          block: item.block,
          addr: hex64(item.addr),
          continued: item.continued,
          base64: Buffer.from(item.data.buffer, item.data.byteOffset, item.data.byteLength).toString(
            'base64',
          ),
        },
      };
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
    case 'device': {
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
      return {
        device: {
          ...(item.vmdescIndex === undefined
            ? { description: item.desc.name }
            : { vmdesc: item.vmdescIndex }),
          state,
        },
      };
    }
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
    case 'vmdesc': {
      // Not UTF-8: only its bytes say what it is.
      if (item.bytes) return { vmdesc: { base64: Buffer.from(item.bytes).toString('base64') } };
      // A damaged one is kept as text (it may not be JSON, or be JSON nested beyond any walk).
      if (item.damaged !== undefined && item.vmdesc.devices.length === 0)
        return { vmdesc: { text: item.text } };
      const json = JSON.parse(item.text) as JsonValue;
      // The text is kept only when re-serialising the parsed JSON would not give it back
      // (duplicate keys in qtailq/gtree entries do that, and any edit QEMU would not make).
      return { vmdesc: pyJson(json) === item.text ? { json } : { json, text: item.text } };
    }
  }
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

// ------------------------------------------------------------------------------------------------
// back to items

function bad(message: string, path: (string | number)[]): never {
  return fail('invalid-value', message, { path });
}

function obj(v: JsonValue | undefined, path: (string | number)[]): J {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad('expected an object', path);
  return v;
}

function str(v: JsonValue | undefined, path: (string | number)[]): string {
  if (typeof v !== 'string') return bad(`expected a string, got ${JSON.stringify(v)}`, path);
  return v;
}

function int(v: JsonValue | undefined, path: (string | number)[], max = 0xffff_ffff): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max) {
    return bad(`expected an integer 0..${max}, got ${JSON.stringify(v)}`, path);
  }
  return v;
}

function big(v: JsonValue | undefined, path: (string | number)[]): bigint {
  if (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v)) {
    const n = BigInt(v);
    if (n <= 0xffff_ffff_ffff_ffffn) return n;
  }
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  return bad(`expected a 64-bit address or length ("0x…"), got ${JSON.stringify(v)}`, path);
}

function bytesOf(
  v: JsonValue | undefined,
  path: (string | number)[],
  encoding: 'hex' | 'base64',
): Uint8Array {
  const s = str(v, path);
  const b = Buffer.from(s, encoding);
  // Text that is the canonical encoding of its bytes (what we write: every page) is valid without
  // a regular expression over it; anything else is checked as before.
  if (b.toString(encoding) !== s) {
    if (encoding === 'hex' && (s.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(s)))
      bad('expected hex digits', path);
    if (encoding === 'base64' && !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) bad('expected base64', path);
  }
  // A copy in memory of its own (a Buffer may be a slice of a shared pool).
  return new Uint8Array(b);
}

function bool(v: JsonValue | undefined, path: (string | number)[]): boolean {
  if (typeof v !== 'boolean') return bad(`expected true or false, got ${JSON.stringify(v)}`, path);
  return v;
}

function configFromJson(v: JsonValue, path: (string | number)[]): ConfigSubsection {
  const o = obj(v, path);
  const name = str(o.name, [...path, 'name']);
  const version = int(o.version, [...path, 'version']);
  if (name === 'configuration/uuid') {
    const uuid = bytesOf(o.uuid, [...path, 'uuid'], 'hex');
    if (uuid.length !== 16) bad('a UUID has 16 bytes', [...path, 'uuid']);
    return { name, version, uuid };
  }
  if (name === 'configuration/capabilities') {
    const caps = o.capabilities;
    if (!Array.isArray(caps)) return bad('expected a list of capability names', [...path, 'capabilities']);
    return { name, version, capabilities: caps.map((c, i) => str(c, [...path, 'capabilities', i])) };
  }
  if (name === 'configuration/target-page-bits') {
    return { name, version, targetPageBits: int(o.targetPageBits, [...path, 'targetPageBits']) };
  }
  return bad(`unknown configuration subsection "${name}" (known: ${CONFIG_SUBSECTIONS.join(', ')})`, path);
}

export interface AssembleOptions {
  /** Descriptions for device items that name one (streams of our own descriptions). */
  readonly descriptions?: DescriptionLookup;
  readonly ctx?: MigrationContext;
}

/** Checks the document's outline; a MigrationError names the item that is wrong. */
export function checkLossless(doc: unknown): LosslessDoc {
  const d = doc as Partial<LosslessDoc> | null;
  if (d === null || typeof d !== 'object' || d.format !== LOSSLESS_FORMAT) {
    bad(`not a lossless stream document (expected "format": "${LOSSLESS_FORMAT}")`, ['format']);
  }
  if (!Array.isArray(d.items)) bad('"items" must be a list', ['items']);
  const size = int(d.pageSize, ['pageSize']);
  if (size < 512 || size > 1 << 24 || (size & (size - 1)) !== 0)
    bad('"pageSize" must be a power of two', ['pageSize']);
  return d as LosslessDoc;
}

function vmdescOf(doc: LosslessDoc): LosslessVmdesc | undefined {
  for (let i = doc.items.length - 1; i >= 0; i--) {
    const e = doc.items[i];
    if (e && typeof e === 'object' && 'vmdesc' in e) return vmdescOfItem(e, i);
  }
  return undefined;
}

/**
 * The stream items of a lossless document, ready for the writer. Device state is rebuilt from its
 * JSON through the description (the stream's vmdesc, or `descriptions`); if any edit changes what
 * the vmdesc would say (sizes, subsections), the vmdesc is regenerated to match.
 */
export function* itemsFromLossless(input: unknown, options: AssembleOptions = {}): Generator<StreamItem> {
  const doc = checkLossless(input);
  yield* itemsOf(doc.pageSize, doc.items, vmdescOf(doc), options);
}

/** A lossless document's vmdesc: parsed when it can be (a damaged one is carried as it is). */
export interface LosslessVmdesc {
  readonly vmdesc: Vmdesc | undefined;
  readonly text: string;
  /** Its exact bytes when they are not UTF-8 text. */
  readonly bytes?: Uint8Array;
  /** Why it cannot be parsed. */
  readonly problem?: string;
}

/** The vmdesc of a lossless document from its (last) `vmdesc` item, as `itemsOf` needs it. */
export function vmdescOfItem(item: unknown, index: number): LosslessVmdesc {
  const p = ['items', index, 'vmdesc'];
  const e = obj(item as JsonValue, ['items', index]);
  const v = obj(e.vmdesc, p);
  if (v.base64 !== undefined) {
    const bytes = bytesOf(v.base64, [...p, 'base64'], 'base64');
    const parsed = tryParseVmdesc(bytes, 0);
    return parsed.vmdesc
      ? { vmdesc: parsed.vmdesc, text: parsed.text }
      : { vmdesc: undefined, text: parsed.text, bytes, problem: parsed.problem ?? 'unreadable' };
  }
  const text =
    typeof v.text === 'string' ? v.text : v.json !== undefined ? pyJson(v.json as JsonValue) : undefined;
  if (text === undefined) return bad('a vmdesc item has "json", "text" or "base64"', p);
  try {
    return { vmdesc: parseVmdesc(text, 0), text };
  } catch (err) {
    if (!(err instanceof MigrationError)) throw err;
    return { vmdesc: undefined, text, problem: err.issues[0]?.message ?? err.message };
  }
}

/**
 * `itemsFromLossless` for items that come one at a time (a big document read piece by piece):
 * the page size and the vmdesc are needed first, the items are taken in order, never kept.
 */
export function* itemsOf(
  pageSize: number,
  items: Iterable<unknown>,
  vd: LosslessVmdesc | undefined,
  options: AssembleOptions = {},
): Generator<StreamItem> {
  const descs = new Map<number, Vmsd>();
  const regenerated = new Map<number, VmdescEntry>();
  let open:
    | { kind: SectionKind; sectionId: number; idstr: string; instanceId: number; version: number }
    | undefined;
  const step = BigInt(pageSize);
  const blockLengths = new Map<string, bigint>();
  // Wholeness: the stream ends with a top-level EOF (PACKAGED blobs hold their own), then at
  // most the vmdesc; a document that stops before is not the stream.
  let packaged = 0;
  let ended = false;
  let i = -1;
  for (const raw of items) {
    i++;
    if (ended && !(raw !== null && typeof raw === 'object' && 'vmdesc' in raw)) {
      bad('only the vmdesc may follow the top-level "eof" item', ['items', i]);
    }
    const path: (string | number)[] = ['items', i];
    const e = obj(raw as JsonValue, path);
    const keys = Object.keys(e);
    if (keys.length !== 1) bad(`an item has exactly one key, found ${keys.length}`, path);
    const kind = keys[0] as string;
    const v = obj(e[kind], [...path, kind]);
    const p = [...path, kind];
    switch (kind) {
      case 'header':
        if (v.version !== 3) bad('only stream version 3 exists', [...p, 'version']);
        yield { type: 'header', version: 3 };
        break;
      case 'configuration': {
        const subs = v.subsections ?? [];
        if (!Array.isArray(subs)) bad('expected a list', [...p, 'subsections']);
        yield {
          type: 'configuration',
          machine: str(v.machine, [...p, 'machine']),
          subsections: subs.map((s, k) => configFromJson(s, [...p, 'subsections', k])),
        };
        break;
      }
      case 'section': {
        const k = str(v.kind, [...p, 'kind']);
        if (k !== 'start' && k !== 'part' && k !== 'end' && k !== 'full')
          bad(`unknown section kind "${k}"`, [...p, 'kind']);
        open = {
          kind: k,
          sectionId: int(v.id, [...p, 'id']),
          idstr: str(v.idstr, [...p, 'idstr']),
          instanceId: int(v.instance, [...p, 'instance']),
          version: int(v.version, [...p, 'version']),
        };
        yield { type: 'section', ...open };
        break;
      }
      case 'end':
        yield {
          type: 'section-end',
          sectionId: int(v.id, [...p, 'id']),
          footer: bool(v.footer, [...p, 'footer']),
        };
        open = undefined;
        break;
      case 'blocks': {
        const list = v.list;
        if (!Array.isArray(list)) bad('expected a list', [...p, 'list']);
        const item: StreamItem = {
          type: 'ram-blocks',
          total: big(v.total, [...p, 'total']),
          flags: int(v.flags, [...p, 'flags'], 0xfff),
          blocks: list.map((b, k) => {
            const o = obj(b, [...p, 'list', k]);
            return {
              name: str(o.name, [...p, 'list', k, 'name']),
              length: big(o.length, [...p, 'list', k, 'length']),
              ...(o.pageSize === undefined
                ? {}
                : { pageSize: big(o.pageSize, [...p, 'list', k, 'pageSize']) }),
              ...(o.mrAddr === undefined ? {} : { mrAddr: big(o.mrAddr, [...p, 'list', k, 'mrAddr']) }),
            };
          }),
        };
        for (const b of item.blocks) blockLengths.set(b.name, b.length);
        yield item;
        break;
      }
      case 'zero': {
        const blockName = str(v.block, [...p, 'block']);
        const addr = big(v.addr, [...p, 'addr']);
        const pages = int(v.pages, [...p, 'pages']);
        const fill = int(v.fill, [...p, 'fill'], 0xff);
        const continued = bool(v.continued, [...p, 'continued']);
        // Checked before anything is generated: a run cannot exceed its block's declared length.
        const length = blockLengths.get(blockName);
        if (length === undefined || addr + BigInt(pages) * step > length) {
          bad(`${pages} zero page(s) from ${hex64(addr)} do not fit RAM block "${blockName}"`, p);
        }
        for (let k = 0; k < pages; k++) {
          yield {
            type: 'ram-zero',
            block: blockName,
            addr: addr + BigInt(k) * step,
            continued: k > 0 || continued,
            fill,
          };
        }
        break;
      }
      case 'page':
        yield {
          type: 'ram-page',
          block: str(v.block, [...p, 'block']),
          addr: big(v.addr, [...p, 'addr']),
          continued: bool(v.continued, [...p, 'continued']),
          data: bytesOf(v.base64, [...p, 'base64'], 'base64'),
        };
        break;
      case 'eos':
      case 'flush': {
        const addr = v.addr === undefined ? 0n : big(v.addr, [...p, 'addr']);
        const extra = v.continued === true ? { continued: true } : {};
        yield kind === 'eos' ? { type: 'ram-eos', addr, ...extra } : { type: 'ram-flush', addr, ...extra };
        break;
      }
      case 'device': {
        const stateJson = obj(v.state, [...p, 'state']);
        if (v.vmdesc !== undefined) {
          const index = int(v.vmdesc, [...p, 'vmdesc']);
          const entry = vd?.vmdesc?.devices[index];
          if (!entry || isOpenCoded(entry))
            bad(`no vmdesc device entry ${index} describes this section`, [...p, 'vmdesc']);
          let desc = descs.get(index);
          if (!desc) {
            desc = fromVmdescBody(entry as Parameters<typeof fromVmdescBody>[0]);
            descs.set(index, desc);
          }
          const state = stateFromJson(desc, stateJson, [...p, 'state']);
          let described: VmdescEntry;
          try {
            const again = saveDescribed(desc, state as never, options.ctx ? { ctx: options.ctx } : {});
            described = { name: entry.name, instance_id: entry.instance_id, ...again.vmdesc };
          } catch (err) {
            throw err instanceof MigrationError ? err.within(...p) : err;
          }
          if (JSON.stringify(described) !== JSON.stringify(entry)) regenerated.set(index, described);
          yield { type: 'device', decodedBy: 'vmdesc', desc, state };
          break;
        }
        const name = str(v.description, [...p, 'description']);
        const desc = open && (options.descriptions?.(open) ?? knownSection(open));
        if (!desc) bad(`no description given for section "${open?.idstr ?? '?'}" (description "${name}")`, p);
        yield {
          type: 'device',
          decodedBy: 'description',
          desc,
          state: stateFromJson(desc, stateJson, [...p, 'state']),
        };
        break;
      }
      case 'opaque':
        yield { type: 'opaque', body: bytesOf(v.hex, [...p, 'hex'], 'hex'), boundary: 'given' };
        break;
      case 'command': {
        const cmd = int(v.cmd, [...p, 'cmd'], 0xffff);
        if (cmd === Command.PACKAGED) packaged++;
        yield { type: 'command', cmd, data: bytesOf(v.hex, [...p, 'hex'], 'hex') };
        break;
      }
      case 'packaged-end':
        packaged = Math.max(0, packaged - 1);
        yield { type: 'packaged-end', rest: bytesOf(v.hex, [...p, 'hex'], 'hex') };
        break;
      case 'eof':
        if (packaged === 0) ended = true;
        yield { type: 'eof' };
        break;
      case 'rejected':
        return fail(
          'truncated',
          `the stream this document was made from was rejected here, so it is not whole: ${String(v.message)}` +
            (typeof v.offset === 'number' ? ` (at byte ${v.offset})` : ''),
          { path: p },
        );
      case 'vmdesc': {
        if (!vd) return bad('unreachable: vmdesc not found', p);
        if (!vd.vmdesc) {
          yield {
            type: 'vmdesc',
            text: vd.text,
            vmdesc: { devices: [] } as unknown as Vmdesc,
            ...(vd.bytes ? { bytes: vd.bytes } : {}),
            damaged: vd.problem ?? 'unreadable',
          };
          break;
        }
        if (regenerated.size === 0) {
          yield { type: 'vmdesc', text: vd.text, vmdesc: vd.vmdesc };
          break;
        }
        const devices = vd.vmdesc.devices.map((d, k) => regenerated.get(k) ?? d);
        const vmdesc = { ...vd.vmdesc, devices };
        yield { type: 'vmdesc', text: pyJson(vmdesc as unknown as JsonValue), vmdesc };
        break;
      }
      default:
        bad(`unknown item kind "${kind}"`, path);
    }
  }
  if (!ended) {
    fail('truncated', `the document stops after item ${i} without its "eof" item: the stream is not whole`, {
      path: ['items', i + 1],
    });
  }
}

/** Writes the stream a lossless document describes; resolves with the number of bytes. */
export function assembleStream(
  doc: unknown,
  sink: StreamSink,
  options: AssembleOptions = {},
): Promise<number> {
  const checked = checkLossless(doc);
  return writeStream(itemsFromLossless(checked, options), sink, {
    pageSize: checked.pageSize,
    ...(options.ctx ? { ctx: options.ctx } : {}),
  });
}
