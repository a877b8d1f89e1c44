import { saveDescribed } from '../../codec/index.js';
import type { MigrationContext, Vmsd } from '../../describe/index.js';
import { fail, MigrationError } from '../../errors/index.js';
import { pyJson } from '../analyze/pyjson.js';
import { type JsonValue, stateFromJson } from '../analyze/state-json.js';
import { CONFIG_SUBSECTIONS } from '../read/configuration.js';
import {
  Command,
  type ConfigSubsection,
  type RamBlocksItem,
  type RamPageItem,
  type SectionItem,
  type StreamItem,
} from '../read/items.js';
import { knownSection } from '../read/known-sections.js';
import type { DescriptionLookup } from '../read/reader.js';
import { parseVmdesc, tryParseVmdesc } from '../read/trailer.js';
import { fromVmdescBody, isOpenCoded, type Vmdesc, type VmdescEntry } from '../read/vmdesc.js';
import { type DocItem, hex64, LOSSLESS_FORMAT, type LosslessDoc } from './format.js';
import { bad, big, bool, bytesOf, type DocPath, int, obj, str } from './json-fields.js';

/** Lossless document items back to stream items, checked on the way (paths name the document). */

export interface AssembleOptions {
  /** Descriptions for device items that name one (streams of our own descriptions). */
  readonly descriptions?: DescriptionLookup;
  readonly ctx?: MigrationContext;
}

/**
 * A page item the document reader decoded straight from the text (document-reader.ts): already a
 * stream item, its fields checked there, so it skips the JSON object in between.
 */
export class ScannedPage implements RamPageItem {
  readonly type = 'ram-page';
  constructor(
    readonly block: string,
    readonly addr: bigint,
    readonly continued: boolean,
    readonly data: Uint8Array,
  ) {}
}

/** Checks the document's outline; a MigrationError names the item that is wrong. */
export function checkLossless(doc: unknown): LosslessDoc {
  const d = doc as Partial<LosslessDoc> | null;
  if (d === null || typeof d !== 'object' || d.format !== LOSSLESS_FORMAT) {
    bad(`not a lossless stream document (expected "format": "${LOSSLESS_FORMAT}")`, ['format']);
  }
  if (!Array.isArray(d.items)) bad('"items" must be a list', ['items']);
  checkPageSize(int(d.pageSize, ['pageSize']));
  return d as LosslessDoc;
}

export function checkPageSize(size: number): void {
  if (size < 512 || size > 1 << 24 || (size & (size - 1)) !== 0)
    bad('"pageSize" must be a power of two', ['pageSize']);
}

/**
 * The stream items of a lossless document, ready for the writer. Device state is rebuilt from its
 * JSON through the description (the stream's vmdesc, or `descriptions`); if any edit changes what
 * the vmdesc would say (sizes, subsections), the vmdesc is regenerated to match.
 */
export function* itemsFromLossless(input: unknown, options: AssembleOptions = {}): Generator<StreamItem> {
  const doc = checkLossless(input);
  yield* itemsOf(doc.pageSize, doc.items, vmdescOf(doc.items), options);
}

function vmdescOf(items: readonly unknown[]): LosslessVmdesc | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const e = items[i];
    if (isKind(e, 'vmdesc')) return vmdescOfItem(e, i);
  }
  return undefined;
}

/** Whether a raw document item is an object holding `kind` (not checked further). */
export function isKind(raw: unknown, kind: string): boolean {
  return raw !== null && typeof raw === 'object' && !(raw instanceof ScannedPage) && kind in raw;
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
  const decoder = new ItemDecoder(pageSize, vd, options);
  let i = -1;
  for (const raw of items) {
    i++;
    yield* decoder.decode(raw, i);
  }
  decoder.finish(i);
}

type Open = Omit<SectionItem, 'type'>;

/** The state `itemsOf` keeps between items: only what framing and the vmdesc need. */
export class ItemDecoder {
  private readonly descs = new Map<number, Vmsd>();
  private readonly regenerated = new Map<number, VmdescEntry>();
  private open: Open | undefined;
  private readonly step: bigint;
  private readonly blockLengths = new Map<string, bigint>();
  // Wholeness: the stream ends with a top-level EOF (PACKAGED blobs hold their own), then at
  // most the vmdesc; a document that stops before is not the stream.
  private packaged = 0;
  private ended = false;

  constructor(
    pageSize: number,
    private vd: LosslessVmdesc | undefined,
    private readonly options: AssembleOptions,
  ) {
    this.step = BigInt(pageSize);
  }

  /** The document's vmdesc, when it is known only once some items are read (before it is needed). */
  setVmdesc(vd: LosslessVmdesc): void {
    this.vd = vd;
  }

  *decode(raw: unknown, i: number): Generator<StreamItem> {
    if (this.ended && !isKind(raw, 'vmdesc')) {
      bad('only the vmdesc may follow the top-level "eof" item', ['items', i]);
    }
    if (raw instanceof ScannedPage) {
      yield raw;
      return;
    }
    const path: DocPath = ['items', i];
    const e = obj(raw as JsonValue, path);
    const keys = Object.keys(e);
    if (keys.length !== 1) bad(`an item has exactly one key, found ${keys.length}`, path);
    const kind = keys[0] as string;
    const p = [...path, kind];
    const v = obj(e[kind], p);
    if (kind === 'zero') yield* this.zeroRun(v, p);
    else yield this.single(kind, v, p);
  }

  /** Items that stand for one stream item each. */
  private single(kind: string, v: DocItem, p: DocPath): StreamItem {
    switch (kind) {
      case 'header':
        if (v.version !== 3) bad('only stream version 3 exists', [...p, 'version']);
        return { type: 'header', version: 3 };
      case 'configuration':
        return configurationFromJson(v, p);
      case 'section':
        return this.section(v, p);
      case 'end':
        this.open = undefined;
        return {
          type: 'section-end',
          sectionId: int(v.id, [...p, 'id']),
          footer: bool(v.footer, [...p, 'footer']),
        };
      case 'blocks':
        return this.blocks(v, p);
      case 'page':
        return pageFromJson(v, p);
      case 'eos':
      case 'flush': {
        const addr = v.addr === undefined ? 0n : big(v.addr, [...p, 'addr']);
        const extra = v.continued === true ? { continued: true } : {};
        return kind === 'eos' ? { type: 'ram-eos', addr, ...extra } : { type: 'ram-flush', addr, ...extra };
      }
      case 'device':
        return v.vmdesc === undefined ? this.describedDevice(v, p) : this.vmdescDevice(v, p);
      case 'opaque':
        return { type: 'opaque', body: bytesOf(v.hex, [...p, 'hex'], 'hex'), boundary: 'given' };
      case 'command': {
        const cmd = int(v.cmd, [...p, 'cmd'], 0xffff);
        if (cmd === Command.PACKAGED) this.packaged++;
        return { type: 'command', cmd, data: bytesOf(v.hex, [...p, 'hex'], 'hex') };
      }
      case 'packaged-end':
        this.packaged = Math.max(0, this.packaged - 1);
        return { type: 'packaged-end', rest: bytesOf(v.hex, [...p, 'hex'], 'hex') };
      case 'eof':
        if (this.packaged === 0) this.ended = true;
        return { type: 'eof' };
      case 'rejected':
        return fail(
          'truncated',
          `the stream this document was made from was rejected here, so it is not whole: ${String(v.message)}` +
            (typeof v.offset === 'number' ? ` (at byte ${v.offset})` : ''),
          { path: p },
        );
      case 'vmdesc':
        return this.vmdesc(p);
      default:
        return bad(`unknown item kind "${kind}"`, p.slice(0, -1));
    }
  }

  private section(v: DocItem, p: DocPath): StreamItem {
    const k = str(v.kind, [...p, 'kind']);
    if (k !== 'start' && k !== 'part' && k !== 'end' && k !== 'full')
      bad(`unknown section kind "${k}"`, [...p, 'kind']);
    this.open = {
      kind: k,
      sectionId: int(v.id, [...p, 'id']),
      idstr: str(v.idstr, [...p, 'idstr']),
      instanceId: int(v.instance, [...p, 'instance']),
      version: int(v.version, [...p, 'version']),
    };
    return { type: 'section', ...this.open };
  }

  private blocks(v: DocItem, p: DocPath): RamBlocksItem {
    const list = v.list;
    if (!Array.isArray(list)) return bad('expected a list', [...p, 'list']);
    const item: RamBlocksItem = {
      type: 'ram-blocks',
      total: big(v.total, [...p, 'total']),
      flags: int(v.flags, [...p, 'flags'], 0xfff),
      blocks: list.map((b, k) => {
        const at = [...p, 'list', k];
        const o = obj(b, at);
        return {
          name: str(o.name, [...at, 'name']),
          length: big(o.length, [...at, 'length']),
          ...(o.pageSize === undefined ? {} : { pageSize: big(o.pageSize, [...at, 'pageSize']) }),
          ...(o.mrAddr === undefined ? {} : { mrAddr: big(o.mrAddr, [...at, 'mrAddr']) }),
        };
      }),
    };
    for (const b of item.blocks) this.blockLengths.set(b.name, b.length);
    return item;
  }

  private *zeroRun(v: DocItem, p: DocPath): Generator<StreamItem> {
    const block = str(v.block, [...p, 'block']);
    const addr = big(v.addr, [...p, 'addr']);
    const pages = int(v.pages, [...p, 'pages']);
    const fill = int(v.fill, [...p, 'fill'], 0xff);
    const continued = bool(v.continued, [...p, 'continued']);
    // Checked before anything is generated: a run cannot exceed its block's declared length.
    const length = this.blockLengths.get(block);
    if (length === undefined || addr + BigInt(pages) * this.step > length) {
      bad(`${pages} zero page(s) from ${hex64(addr)} do not fit RAM block "${block}"`, p);
    }
    for (let k = 0; k < pages; k++) {
      yield {
        type: 'ram-zero',
        block,
        addr: addr + BigInt(k) * this.step,
        continued: k > 0 || continued,
        fill,
      };
    }
  }

  /** A device section decoded by a vmdesc entry: its state re-encoded, the entry regenerated if it changed. */
  private vmdescDevice(v: DocItem, p: DocPath): StreamItem {
    const stateJson = obj(v.state, [...p, 'state']);
    const index = int(v.vmdesc, [...p, 'vmdesc']);
    const entry = this.vd?.vmdesc?.devices[index];
    if (!entry || isOpenCoded(entry))
      bad(`no vmdesc device entry ${index} describes this section`, [...p, 'vmdesc']);
    let desc = this.descs.get(index);
    if (!desc) {
      desc = fromVmdescBody(entry as Parameters<typeof fromVmdescBody>[0]);
      this.descs.set(index, desc);
    }
    const state = stateFromJson(desc, stateJson, [...p, 'state']);
    let described: VmdescEntry;
    try {
      const again = saveDescribed(desc, state as never, this.options.ctx ? { ctx: this.options.ctx } : {});
      described = { name: entry.name, instance_id: entry.instance_id, ...again.vmdesc };
    } catch (err) {
      throw err instanceof MigrationError ? err.within(...p) : err;
    }
    if (JSON.stringify(described) !== JSON.stringify(entry)) this.regenerated.set(index, described);
    return { type: 'device', decodedBy: 'vmdesc', desc, state };
  }

  /** A device section decoded by one of our descriptions (named, found by the section's identity). */
  private describedDevice(v: DocItem, p: DocPath): StreamItem {
    const stateJson = obj(v.state, [...p, 'state']);
    const name = str(v.description, [...p, 'description']);
    const open = this.open;
    const desc = open && (this.options.descriptions?.(open) ?? knownSection(open));
    if (!desc) bad(`no description given for section "${open?.idstr ?? '?'}" (description "${name}")`, p);
    return {
      type: 'device',
      decodedBy: 'description',
      desc,
      state: stateFromJson(desc, stateJson, [...p, 'state']),
    };
  }

  private vmdesc(p: DocPath): StreamItem {
    const vd = this.vd;
    if (!vd) return bad('unreachable: vmdesc not found', p);
    if (!vd.vmdesc) {
      return {
        type: 'vmdesc',
        text: vd.text,
        vmdesc: { devices: [] } as unknown as Vmdesc,
        ...(vd.bytes ? { bytes: vd.bytes } : {}),
        damaged: vd.problem ?? 'unreadable',
      };
    }
    if (this.regenerated.size === 0) return { type: 'vmdesc', text: vd.text, vmdesc: vd.vmdesc };
    const devices = vd.vmdesc.devices.map((d, k) => this.regenerated.get(k) ?? d);
    const vmdesc = { ...vd.vmdesc, devices };
    return { type: 'vmdesc', text: pyJson(vmdesc as unknown as JsonValue), vmdesc };
  }

  /** After the last item (`last` is its index): a document without its top-level EOF is not the stream. */
  finish(last: number): void {
    if (this.ended) return;
    fail(
      'truncated',
      `the document stops after item ${last} without its "eof" item: the stream is not whole`,
      {
        path: ['items', last + 1],
      },
    );
  }
}

function pageFromJson(v: DocItem, p: DocPath): StreamItem {
  return {
    type: 'ram-page',
    block: str(v.block, [...p, 'block']),
    addr: big(v.addr, [...p, 'addr']),
    continued: bool(v.continued, [...p, 'continued']),
    data: bytesOf(v.base64, [...p, 'base64'], 'base64'),
  };
}

function configurationFromJson(v: DocItem, p: DocPath): StreamItem {
  const subs = v.subsections ?? [];
  if (!Array.isArray(subs)) bad('expected a list', [...p, 'subsections']);
  return {
    type: 'configuration',
    machine: str(v.machine, [...p, 'machine']),
    subsections: subs.map((s, k) => configFromJson(s, [...p, 'subsections', k])),
  };
}

function configFromJson(v: JsonValue, path: DocPath): ConfigSubsection {
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
