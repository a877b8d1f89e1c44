import { MigrationError } from '../../errors/index.js';
import type { LosslessDoc } from '../lossless/lossless.js';
import type { StreamItem } from '../read/items.js';
import { type ReadOptions, readStream } from '../read/reader.js';
import type { StreamSource } from '../read/source.js';
import { RamExtractor } from './extract.js';
import { type PyValue, pyJson, pyJsonChunks } from './pyjson.js';
import { StateCollector } from './state-collector.js';
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

/**
 * Reads a whole stream once and builds, as asked: the device state in analyze-migration.py's
 * form, a summary, the lossless document, and RAM block files. Memory stays bounded except for
 * what is asked to be kept (`memory` and `lossless` keep page contents).
 */
export async function analyzeStream(source: StreamSource, options: AnalyzeOptions = {}): Promise<Analysis> {
  // The reader reads the vmdesc first only from a file or bytes; anything else gets it last.
  const rewindable = typeof source === 'string' || source instanceof Uint8Array;
  const holds = (options.vmdesc === undefined || options.vmdesc === 'auto') && !rewindable;
  const state = new StateCollector({
    memory: options.memory === true,
    hold: holds ? options.maxHeldDeviceBytes : false,
    ...(options.ctx ? { ctx: options.ctx } : {}),
  });
  const summary = new SummaryBuilder(holds);
  // Loaded only when asked for: the lossless writer is a fifth of what `analyze` would load.
  const lossless =
    options.lossless === true || options.losslessTo !== undefined
      ? new (await import('./lossless-feed.js')).LosslessFeed(options.losslessTo)
      : undefined;
  let extractor: RamExtractor | undefined;
  let end = 0;
  let doc: LosslessDoc | undefined;
  try {
    for await (const item of readStream(source, readOptionsFor(options))) {
      summary.add(item);
      if (item.type === 'header') {
        state.pageSize = options.pageSize ?? item.pageSize;
        if (options.extractTo !== undefined) extractor = new RamExtractor(options.extractTo, state.pageSize);
      }
      await lossless?.add(item, state.pageSize ?? 4096);
      extractor?.add(item);
      state.add(item);
      end = endOf(item, end);
    }
    doc = await lossless?.finish();
  } catch (e) {
    if (e instanceof MigrationError) await lossless?.reject(e);
    throw e;
  } finally {
    extractor?.close();
  }
  const devices = state.finish();
  summary.resolveHeld(state.heldOutcomes);
  return {
    state: devices,
    vmdesc: state.vmdesc,
    summary: summary.finish(end),
    lossless: doc,
    extracted: extractor?.paths ?? [],
    notes: notesOf(state),
  };
}

/**
 * Pages that are not printed, kept or written are only counted, in bulk (no item per page). Device
 * bodies are rendered from their bytes by the vmdesc entry: unless the lossless document needs
 * them decoded, they are only framed by the reader (each body is walked once, by the renderer).
 */
function readOptionsFor(options: AnalyzeOptions): ReadOptions {
  const lossless = options.lossless === true || options.losslessTo !== undefined;
  const keepsPages = options.memory === true || lossless || options.extractTo !== undefined;
  return {
    ...options,
    ...(keepsPages ? {} : { ramPages: 'count' }),
    ...(lossless || options.bodies !== undefined ? {} : { bodies: 'framed' }),
  };
}

function notesOf(state: StateCollector): string[] {
  const notes: string[] = [];
  if (state.damaged !== undefined) {
    notes.push(
      `the stream's vmdesc is damaged (${state.damaged}): sections were read without it; QEMU does not read the vmdesc`,
    );
  } else if (!state.vmdesc) {
    notes.push(
      'this stream has no vmdesc (machine types 2.2 and older, postcopy and device-only saves write none): ' +
        'analyze-migration.py cannot read it at all',
    );
  }
  if (state.opaque > 0) {
    notes.push(
      `${state.opaque} device section(s) had no description and are shown as opaque bytes ({"data": …}); ` +
        `their ends were found ${state.heuristic ? 'heuristically (no footers: the next plausible section header)' : 'by their footers'}`,
    );
  }
  return notes;
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
