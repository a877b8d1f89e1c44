import { closeSync, openSync, readSync } from 'node:fs';
import { fail } from '../../errors/index.js';
import type { StreamItem } from '../read/items.js';
import { LOSSLESS_FORMAT } from './format.js';
import {
  type AssembleOptions,
  checkLossless,
  checkPageSize,
  ItemDecoder,
  isKind,
  itemsFromLossless,
  ScannedPage,
  vmdescOfItem,
} from './from-document.js';
import { bad, isEncodingOf } from './json-fields.js';

/**
 * A lossless document read once, front to back, in large chunks: from a file or a pipe, of any
 * size (a string over V8's limit of about 512 MiB cannot even be made). Items are found in the
 * bytes (`analyze --lossless` puts each on lines of its own, ending with a line `  }`; any other
 * layout of an item is found by its braces), and page items, nearly all of a big document, are
 * decoded from the bytes straight into a stream item. A document whose head is not the one
 * `analyze --lossless` writes is parsed whole. Memory holds one item at a time, except between
 * the first device described by the vmdesc and the vmdesc at the end (device state: small), which
 * are held, up to `maxHeldBytes`, because those devices are decoded by that vmdesc.
 */

export interface DocumentReadOptions extends AssembleOptions {
  /** Item text held until the vmdesc arrives, at most (default 64 MiB; `bound-exceeded` past it). */
  readonly maxHeldBytes?: number;
  /**
   * Decode every page into the same buffer: a page's `data` is then valid only until the next
   * item is taken. For a consumer that copies it at once (`writeStream` does): no garbage per page.
   */
  readonly reusePageBuffers?: boolean;
}

/** A document that is not JSON at all (the CLI's usage error, not a rejected document). */
export class NotJson extends Error {
  override readonly name = 'NotJson';
}

export const DEFAULT_MAX_HELD_BYTES = 64 << 20;
const CHUNK = 4 << 20;
/** One item's text at most: a bigger one could not be a string. */
const MAX_ITEM = 256 << 20;

/** Bytes of a file descriptor, read in large chunks into one window that slides and grows. */
class Window {
  private buf = Buffer.allocUnsafeSlow(CHUNK);
  /** The bytes read and not dropped: `view[start..]` are not taken yet. */
  view: Buffer = this.buf.subarray(0, 0);
  start = 0;
  private eof = false;
  constructor(private readonly fd: number) {}

  /** Reads more; false at the end of the input. Bytes before `start` are dropped. */
  more(): boolean {
    if (this.eof) return false;
    let end = this.view.length;
    if (this.start > 0) {
      this.buf.copyWithin(0, this.start, end);
      end -= this.start;
      this.start = 0;
    }
    if (end === this.buf.length) {
      if (this.buf.length >= MAX_ITEM) {
        fail('bound-exceeded', `an item of the document is over ${MAX_ITEM >> 20} MiB`);
      }
      const next = Buffer.allocUnsafeSlow(this.buf.length * 2);
      this.buf.copy(next, 0, 0, end);
      this.buf = next;
    }
    const n = readSync(this.fd, this.buf, end, this.buf.length - end, null);
    if (n === 0) this.eof = true;
    this.view = this.buf.subarray(0, end + n);
    return n > 0;
  }

  /** Bytes available from `start`. */
  get size(): number {
    return this.view.length - this.start;
  }

  /** Makes `n` bytes from `start` available; false when the input ends first. */
  have(n: number): boolean {
    while (this.view.length - this.start < n) if (!this.more()) return false;
    return true;
  }

  /** The next byte that is not JSON whitespace (not taken), or -1 at the end. */
  peek(): number {
    for (;;) {
      const b = this.view;
      let i = this.start;
      while (i < b.length) {
        const c = b[i] as number;
        if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
          this.start = i;
          return c;
        }
        i++;
      }
      this.start = i;
      if (!this.more()) return -1;
    }
  }

  /** Where `needle` is, at or after `from` (relative to `start`), reading on; -1 if nowhere. */
  find(needle: Buffer | number, from: number): number {
    const len = typeof needle === 'number' ? 1 : needle.length;
    let rel = from;
    for (;;) {
      const i = this.view.indexOf(needle, this.start + rel);
      if (i >= 0) return i - this.start;
      rel = Math.max(rel, this.size - (len - 1));
      if (!this.more()) return -1;
    }
  }

  /** Whether byte `b` is in `[from, to)` (relative to `start`, available already). */
  holds(from: number, to: number, b: number): boolean {
    return this.view.subarray(this.start + from, this.start + to).indexOf(b) >= 0;
  }

  /** Whether `bytes` stand at `at` (relative to `start`). */
  matches(at: number, bytes: Buffer): boolean {
    if (!this.have(at + bytes.length)) return false;
    const o = this.start + at;
    return this.view.compare(bytes, 0, bytes.length, o, o + bytes.length) === 0;
  }

  /** `view[start + from .. start + to)` as text. */
  text(from: number, to: number, encoding: 'utf8' | 'latin1'): string {
    return this.view.toString(encoding, this.start + from, this.start + to);
  }

  /** The rest of the input as text (for a whole parse). */
  rest(): string {
    while (this.more()) {
      // the window grows to hold everything
    }
    return this.text(0, this.size, 'utf8');
  }
}

const PAGE_HEAD = Buffer.from('{\n   "page": {\n    "block": "', 'latin1');
const ADDR = Buffer.from('",\n    "addr": "0x', 'latin1');
const CONTINUED = Buffer.from('",\n    "continued": ', 'latin1');
const TRUE = Buffer.from('true', 'latin1');
const FALSE = Buffer.from('false', 'latin1');
const BASE64 = Buffer.from(',\n    "base64": "', 'latin1');
const PAGE_TAIL = Buffer.from('"\n   }\n  }', 'latin1');
const ITEM_END = Buffer.from('\n  }', 'latin1');
const OPEN_LINE = Buffer.from('{\n', 'latin1');
const HEAD = /^\{\r?\n "format": "([^"\\]*)",\r?\n "pageSize": (\d+),\r?\n "items": \[/;
const SLAB = 1 << 20;

/** The items of a document, one at a time, as JSON values (pages as `ScannedPage`s). */
class ItemScanner {
  /** The text size of the last item taken. */
  size = 0;
  /** Items taken so far. */
  index = 0;
  private slab = Buffer.allocUnsafeSlow(SLAB);
  private slabAt = 0;

  constructor(
    private readonly w: Window,
    private readonly reuse: boolean,
  ) {}

  /** The next item, or `undefined` after the last (the document's closing checked). */
  next(): unknown {
    const w = this.w;
    let c = w.peek();
    if (c === 0x5d) return this.close();
    if (this.index > 0 && c !== -1) {
      if (c !== 0x2c) bad(`expected "," before item ${this.index}`, ['items', this.index]);
      w.start++;
      c = w.peek();
    }
    if (c === -1) {
      // `analyze --lossless` cut short (killed, `head -n`) stops at an item boundary and
      // would otherwise look complete: the document is whole only with its closing "]}".
      return fail(
        'truncated',
        `the document ends after item ${this.index - 1}, before its closing "]}": it was cut short`,
        { path: ['items', this.index] },
      );
    }
    if (c !== 0x7b) return bad(`item ${this.index} is not an object`, ['items', this.index]);
    const item = this.page() ?? this.parsed();
    this.index++;
    return item;
  }

  private close(): undefined {
    const w = this.w;
    w.start++;
    const brace = w.peek();
    if (brace === 0x7d) w.start++;
    if (brace !== 0x7d || w.peek() !== -1) {
      bad('the document goes on after its closing "]"', ['items', this.index]);
    }
    return undefined;
  }

  /**
   * A page item in exactly the layout `analyze --lossless` writes, decoded from the bytes; undefined
   * (nothing taken) for anything else, which is then parsed as JSON. Offsets are from `start`.
   */
  private page(): ScannedPage | undefined {
    const w = this.w;
    if (!w.matches(0, PAGE_HEAD)) return undefined;
    const b0 = PAGE_HEAD.length;
    const b1 = w.find(0x22, b0);
    if (b1 < 0 || !this.plain(b0, b1) || !w.matches(b1, ADDR)) return undefined;
    const a0 = b1 + ADDR.length;
    const a1 = w.find(0x22, a0);
    if (a1 - a0 < 1 || a1 - a0 > 16 || !this.hexDigits(a0, a1) || !w.matches(a1, CONTINUED)) return undefined;
    const t = a1 + CONTINUED.length;
    const yes = w.matches(t, TRUE);
    if (!yes && !w.matches(t, FALSE)) return undefined;
    const s0 = t + (yes ? TRUE.length : FALSE.length) + BASE64.length;
    if (!w.matches(s0 - BASE64.length, BASE64)) return undefined;
    const s1 = w.find(0x22, s0);
    if (s1 < 0 || !w.matches(s1, PAGE_TAIL) || w.holds(s0, s1, 0x5c)) return undefined;
    const block = w.text(b0, b1, 'utf8');
    const addr = BigInt(`0x${w.text(a0, a1, 'latin1')}`);
    const data = this.base64(w.text(s0, s1, 'latin1'));
    this.size = s1 + PAGE_TAIL.length;
    w.start += this.size;
    return new ScannedPage(block, addr, yes, data);
  }

  /** No escapes and no control characters: the bytes are the string's UTF-8 as they stand. */
  private plain(from: number, to: number): boolean {
    const b = this.w.view;
    const o = this.w.start;
    for (let i = o + from; i < o + to; i++) if ((b[i] as number) < 0x20 || b[i] === 0x5c) return false;
    return true;
  }

  private hexDigits(from: number, to: number): boolean {
    const b = this.w.view;
    const o = this.w.start;
    for (let i = o + from; i < o + to; i++) {
      const c = b[i] as number;
      if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46))) return false;
    }
    return true;
  }

  /** Base64 decoded into a slab shared by many pages (no allocation per page); checked as text. */
  private base64(s: string): Uint8Array {
    const most = Math.ceil(s.length / 4) * 3;
    if (this.reuse) this.slabAt = 0;
    if (this.slabAt + most > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB, most));
      this.slabAt = 0;
    }
    const at = this.slabAt;
    const n = this.slab.write(s, at, 'base64');
    const data = this.slab.subarray(at, at + n);
    if (!isEncodingOf(s, data, 'base64')) bad('expected base64', ['items', this.index, 'page', 'base64']);
    this.slabAt = at + n;
    return data;
  }

  /** Any other item: its end found by its last line (our layout) or by its braces, then parsed. */
  private parsed(): unknown {
    const w = this.w;
    // Only an item whose first line is `{` alone can end with a line `  }`.
    const end = w.matches(0, OPEN_LINE) ? w.find(ITEM_END, 0) : -1;
    if (end >= 0) {
      const value = tryParse(w.text(0, end + ITEM_END.length, 'utf8'));
      if (value !== undefined) return this.take(end + ITEM_END.length, value.json);
    }
    const size = this.braces();
    const text = w.text(0, size, 'utf8');
    try {
      return this.take(size, JSON.parse(text));
    } catch (e) {
      return bad(`item ${this.index} is not JSON: ${e instanceof Error ? e.message : String(e)}`, [
        'items',
        this.index,
      ]);
    }
  }

  private take(size: number, json: unknown): unknown {
    this.size = size;
    this.w.start += size;
    return json;
  }

  /** The length of the JSON object at `start`, found by its braces (strings skipped). */
  private braces(): number {
    const w = this.w;
    let depth = 0;
    let inString = false;
    for (let i = 0; ; i++) {
      if (!w.have(i + 1)) {
        return fail('truncated', `item ${this.index} is cut short: the document ends inside it`, {
          path: ['items', this.index],
        });
      }
      const c = w.view[w.start + i] as number;
      if (inString) {
        if (c === 0x5c) i++;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if ((c === 0x7d || c === 0x5d) && --depth === 0) return i + 1;
    }
  }
}

function tryParse(text: string): { json: unknown } | undefined {
  try {
    return { json: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** The page size from the head `analyze --lossless` writes; undefined for any other head. */
function headOf(w: Window): number | undefined {
  w.have(128);
  const m = HEAD.exec(w.text(0, Math.min(w.size, 128), 'latin1'));
  if (!m || m[1] !== LOSSLESS_FORMAT) return undefined;
  const size = Number(m[2]);
  checkPageSize(size);
  w.start += m[0].length;
  return size;
}

/** A lossless document open for reading: its page size, its items (read as they are taken). */
export interface LosslessDocument {
  readonly pageSize: number;
  readonly items: Iterable<StreamItem>;
  /** Closes a file opened by path (also done when the items are read to the end or fail). */
  close(): void;
}

/**
 * The stream items of a lossless document read from a file path or an open file descriptor (a
 * pipe), in one pass. Errors name the item (`items`, index) and arrive as the items are taken;
 * a document that is not JSON at all is a `NotJson`.
 */
export function readLosslessDocument(
  input: string | { readonly fd: number },
  options: DocumentReadOptions = {},
): LosslessDocument {
  const fd = typeof input === 'string' ? openSync(input, 'r') : input.fd;
  let open = typeof input === 'string';
  const close = () => {
    if (open) closeSync(fd);
    open = false;
  };
  try {
    const w = new Window(fd);
    const pageSize = headOf(w);
    if (pageSize === undefined) {
      const doc = checkLossless(parseWhole(w.rest()));
      close();
      return { pageSize: doc.pageSize, items: itemsFromLossless(doc, options), close };
    }
    return {
      pageSize,
      items: decoded(pageSize, new ItemScanner(w, options.reusePageBuffers === true), options, close),
      close,
    };
  } catch (e) {
    close();
    throw e;
  }
}

function parseWhole(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new NotJson(e instanceof Error ? e.message : String(e));
  }
}

/** Whether an item needs the vmdesc to be decoded (a device it describes, or the vmdesc itself). */
function needsVmdesc(raw: unknown): boolean {
  if (isKind(raw, 'vmdesc')) return true;
  if (!isKind(raw, 'device')) return false;
  const v = (raw as { device: unknown }).device;
  return v !== null && typeof v === 'object' && 'vmdesc' in v;
}

function* decoded(
  pageSize: number,
  scanner: ItemScanner,
  options: DocumentReadOptions,
  close: () => void,
): Generator<StreamItem> {
  try {
    const decoder = new ItemDecoder(pageSize, undefined, options);
    const limit = options.maxHeldBytes ?? DEFAULT_MAX_HELD_BYTES;
    const held: unknown[] = [];
    let heldBytes = 0;
    let first = -1;
    for (let raw = scanner.next(); raw !== undefined; raw = scanner.next()) {
      const i = scanner.index - 1;
      if (held.length === 0 && !needsVmdesc(raw)) {
        yield* decoder.decode(raw, i);
        continue;
      }
      if (held.length === 0) first = i;
      // A page's buffer may be reused by the next one (`reusePageBuffers`): a held page keeps a copy.
      held.push(
        raw instanceof ScannedPage
          ? new ScannedPage(raw.block, raw.addr, raw.continued, raw.data.slice())
          : raw,
      );
      heldBytes += scanner.size;
      if (heldBytes > limit) {
        fail(
          'bound-exceeded',
          `items ${first}..${i} wait for the vmdesc at the end of the document (it decodes them), and they pass ${limit} bytes`,
          { path: ['items', i] },
        );
      }
    }
    for (let k = held.length - 1; k >= 0; k--) {
      if (isKind(held[k], 'vmdesc')) {
        decoder.setVmdesc(vmdescOfItem(held[k], first + k));
        break;
      }
    }
    for (const [k, raw] of held.entries()) yield* decoder.decode(raw, first + k);
    decoder.finish(scanner.index - 1);
  } finally {
    close();
  }
}
