import { saveDescribed } from '../../codec/index.js';
import { MigrationError } from '../../errors/index.js';
import { LosslessBuilder, type LosslessDoc, LosslessText } from '../lossless/lossless.js';
import type { StreamItem } from '../read/items.js';
import { type ReadOptions, readStream } from '../read/reader.js';
import type { StreamSource } from '../read/source.js';
import type { Vmdesc } from '../read/vmdesc.js';
import { hexBytes, RamRender, renderDevice } from './analyze-state.js';
import { RamExtractor } from './extract.js';
import { HeldDevices, type HeldResult } from './held-devices.js';
import { PageStore } from './page-store.js';
import { type PyValue, pyJson, pyJsonChunks } from './pyjson.js';
import { type StreamSummary, SummaryBuilder } from './summary.js';

export interface AnalyzeOptions extends ReadOptions {
  /**
   * Also list every RAM page under each RAM section's `"memory"` (analyze-migration.py `-m`). Page
   * data is kept in unlinked temporary files, not in memory; write the text with `analysisChunks`.
   */
  readonly memory?: boolean;
  /** Also build the lossless JSON document (see lossless.ts). */
  readonly lossless?: boolean;
  /**
   * Instead of keeping the lossless document, hand its text to this function piece by piece as
   * the stream is read (`losslessChunks`' text; a returned promise paces the reader). Memory then
   * stays bounded; `Analysis.lossless` is undefined.
   */
  readonly losslessTo?: (piece: string) => void | Promise<void>;
  /** Write each RAM block as a sparse file under this directory. */
  readonly extractTo?: string;
  /**
   * A stream read from a pipe has its vmdesc at the end: device sections are held (as bytes, up to
   * this many, default 64 MiB) until it arrives, so the output is the one the file gives.
   */
  readonly maxHeldDeviceBytes?: number;
}

export interface Analysis {
  /** What `analyze-migration.py -d state` prints, as ordered maps (see `stateText`). */
  readonly state: Map<string, PyValue>;
  /** The stream's vmdesc (its exact text, and parsed), when it has one. */
  readonly vmdesc: { readonly text: string; readonly json: PyValue } | undefined;
  readonly summary: StreamSummary;
  readonly lossless: LosslessDoc | undefined;
  /** Files written by `extractTo` (RAM blocks). */
  readonly extracted: readonly string[];
  /** Things a reader of the output should know (opaque sections, missing vmdesc, …). */
  readonly notes: readonly string[];
}

/** `analyze-migration.py`'s indentation and trailing newline: byte-identical to its output. */
export function analysisText(value: PyValue): string {
  return `${pyJson(value, 4)}\n`;
}

/** `analysisText` in pieces of about 64 KiB, made as they are asked for (for `-m` on big streams). */
export function* analysisChunks(value: PyValue): Generator<string> {
  yield* pyJsonChunks(value, 4);
  yield '\n';
}

interface Entry {
  key: string;
  value: () => PyValue;
}

/**
 * Reads a whole stream once and builds, as asked: the device state in analyze-migration.py's
 * form, a summary, the lossless document, and RAM block files. Memory stays bounded except for
 * what is asked to be kept (`memory` and `lossless` keep page contents).
 */
export async function analyzeStream(source: StreamSource, options: AnalyzeOptions = {}): Promise<Analysis> {
  const sections = new Map<number, Entry>();
  const rams = new Map<number, RamRender>();
  const summary = new SummaryBuilder();
  let lossless: LosslessBuilder | undefined;
  let extractor: RamExtractor | undefined;
  let vmdesc: Analysis['vmdesc'];
  let current: { id: number; idstr: string; instanceId: number; version: number } | undefined;
  let ram: RamRender | undefined;
  let opaque = 0;
  let heuristic = false;
  let damaged: string | undefined;
  let end = 0;
  let pageSize = options.pageSize;
  let losslessText: LosslessText | undefined;
  // The reader reads the vmdesc first only from a file or bytes; anything else gets it last.
  const rewindable = typeof source === 'string' || source instanceof Uint8Array;
  const held =
    (options.vmdesc === undefined || options.vmdesc === 'auto') && !rewindable
      ? new HeldDevices(options.maxHeldDeviceBytes)
      : undefined;
  let heldResults: HeldResult[] = [];
  let kind: string | undefined;
  try {
    for await (const item of readStream(source, options)) {
      summary.add(item);
      if (item.type === 'header') {
        pageSize ??= item.pageSize;
        if (options.extractTo !== undefined) extractor = new RamExtractor(options.extractTo, pageSize);
      }
      if (options.losslessTo) {
        losslessText ??= new LosslessText(pageSize ?? 4096, options.losslessTo);
        losslessText.add(item);
        if (losslessText.full) await losslessText.flush();
      } else if (options.lossless) {
        lossless ??= new LosslessBuilder(pageSize ?? 4096);
        lossless.add(item);
      }
      extractor?.add(item);
      end = endOf(item, end);
      switch (item.type) {
        case 'section': {
          current = {
            id: item.sectionId,
            idstr: item.idstr,
            instanceId: item.instanceId,
            version: item.version,
          };
          kind = item.kind;
          const key = `${item.idstr} (${item.sectionId})`;
          if (item.idstr === 'ram' && item.kind !== 'full') {
            ram = item.kind === 'start' ? undefined : rams.get(item.sectionId);
            if (!ram) {
              const r = new RamRender(options.memory ? new PageStore(pageSize ?? 4096) : undefined);
              rams.set(item.sectionId, r);
              ram = r;
            }
            const r = ram;
            if (item.kind === 'start' || !sections.has(item.sectionId)) {
              sections.set(item.sectionId, { key, value: () => r.value() });
            }
          } else if (item.kind === 'start' || item.kind === 'full') {
            ram = undefined;
            sections.set(item.sectionId, { key, value: () => new Map() });
          }
          break;
        }
        case 'ram-blocks':
          for (const b of item.blocks) ram?.block(b.name, b.length);
          break;
        case 'ram-zero':
          ram?.zero(item.block, item.addr, item.fill);
          break;
        case 'ram-page':
          ram?.page(item.block, item.addr, item.data);
          break;
        case 'device': {
          if (!current) break;
          const entry = item.vmdesc ?? {
            name: current.idstr,
            instance_id: 0,
            ...saveDescribed(item.desc, item.state as never, options.ctx ? { ctx: options.ctx } : {}).vmdesc,
          };
          const value = renderDevice(entry, item.body ?? new Uint8Array(0), item.offset);
          const slot = sections.get(current.id);
          if (slot) slot.value = () => value;
          break;
        }
        case 'opaque': {
          if (!current) break;
          if (held && !item.vmdesc && kind === 'full') {
            const at = held.hold({
              idstr: current.idstr,
              instanceId: current.instanceId,
              version: current.version,
              body: item.body,
              offset: item.offset ?? 0,
            });
            heuristic ||= item.boundary === 'heuristic';
            const slot = sections.get(current.id);
            if (slot) slot.value = () => (heldResults[at] as HeldResult).value;
            break;
          }
          const value = item.vmdesc
            ? renderDevice(item.vmdesc, item.body, item.offset)
            : new Map<string, PyValue>([['data', hexBytes(item.body)]]);
          if (!item.vmdesc) {
            opaque++;
            heuristic ||= item.boundary === 'heuristic';
          }
          const slot = sections.get(current.id);
          if (slot) slot.value = () => value;
          break;
        }
        case 'section-end':
          current = undefined;
          break;
        case 'vmdesc':
          if (item.damaged === undefined)
            vmdesc = { text: item.text, json: item.vmdesc as unknown as PyValue };
          else {
            damaged = item.damaged;
            // Still parsed (it only did not fit some sections): analyze-migration.py would print it.
            if (item.vmdesc.devices.length > 0)
              vmdesc = { text: item.text, json: item.vmdesc as unknown as PyValue };
          }
          break;
        default:
          break;
      }
    }
    await losslessText?.end();
  } catch (e) {
    // The lossless text already handed out is not the stream: it ends with a `rejected` item
    // (and is closed, so it stays JSON) that `assemble` refuses.
    if (e instanceof MigrationError) await losslessText?.end(e);
    throw e;
  } finally {
    extractor?.close();
  }
  if (held && held.size > 0) {
    heldResults = held.resolve(vmdesc ? (vmdesc.json as unknown as Vmdesc) : undefined, options.ctx);
    for (const r of heldResults) if (r.opaque) opaque++;
  }
  const state = new Map<string, PyValue>();
  for (const e of sections.values()) state.set(e.key, e.value());
  const notes: string[] = [];
  if (damaged !== undefined) {
    notes.push(
      `the stream's vmdesc is damaged (${damaged}): sections were read without it; QEMU does not read the vmdesc`,
    );
  } else if (!vmdesc) {
    notes.push(
      'this stream has no vmdesc (machine types 2.2 and older, postcopy and device-only saves write none): ' +
        'analyze-migration.py cannot read it at all',
    );
  }
  if (opaque > 0) {
    notes.push(
      `${opaque} device section(s) had no description and are shown as opaque bytes ({"data": …}); ` +
        `their ends were found ${heuristic ? 'heuristically (no footers: the next plausible section header)' : 'by their footers'}`,
    );
  }
  return {
    state,
    vmdesc,
    summary: summary.finish(end),
    lossless: options.losslessTo ? undefined : lossless?.finish(),
    extracted: extractor?.paths ?? [],
    notes,
  };
}

/** The offset just past an item, when it can be known from the item itself. */
function endOf(item: StreamItem, prev: number): number {
  if (item.offset === undefined) return prev;
  switch (item.type) {
    case 'vmdesc':
      return item.offset + 5 + Buffer.byteLength(item.text, 'utf8');
    case 'eof':
      return item.offset + 1;
    default:
      return Math.max(prev, item.offset);
  }
}
