import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { fail } from '../../errors/index.js';
import type { StreamItem } from '../read/items.js';
import {
  type AssembleOptions,
  itemsOf,
  LOSSLESS_FORMAT,
  type LosslessVmdesc,
  vmdescOfItem,
} from './lossless.js';

/**
 * A lossless document file read piece by piece, for documents too big to parse whole (a string
 * over V8's limit of about 512 MiB cannot even be read). It works on the layout `analyze
 * --lossless` writes (`losslessChunks`: one item per block of lines, each item's first line `  {`
 * and its last `  }`), edited or not; a file laid out otherwise is parsed whole (`undefined`).
 * Two passes: the first finds the page size and the vmdesc (the last item), the second yields the
 * items. Memory holds one item at a time.
 */

const CHUNK = 1 << 20;

/** The lines of a file, read synchronously in 1 MiB chunks (no line is kept once handed out). */
function* lines(path: string): Generator<string> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      const text = rest + decoder.write(buf.subarray(0, n));
      const parts = text.split('\n');
      rest = parts.pop() as string;
      yield* parts;
    }
    rest += decoder.end();
    if (rest !== '') yield rest;
  } finally {
    closeSync(fd);
  }
}

const HEAD = [/^\{$/, /^ "format": "([^"]*)",$/, /^ "pageSize": (\d+),$/, /^ "items": \[(\]?)$/] as const;

interface Raw {
  /** The item's lines, joined. */
  readonly text: string;
  /** Its second line (says which kind of item it is without parsing it). */
  readonly second: string;
}

/** The head (format, page size) and the items as text; undefined when the layout is not ours. */
function scan(path: string): { pageSize: number; items: Generator<Raw> } | undefined {
  const it = lines(path);
  const head: string[] = [];
  for (let k = 0; k < HEAD.length; k++) {
    const r = it.next();
    if (r.done) return undefined;
    head.push(r.value);
  }
  const m = head.map((l, k) => (HEAD[k] as RegExp).exec(l.replace(/\r$/, '')));
  if (m.some((x) => x === null) || m[1]?.[1] !== LOSSLESS_FORMAT) {
    it.return(undefined);
    return undefined;
  }
  const pageSize = Number(m[2]?.[1]);
  const empty = m[3]?.[1] === ']';
  function* items(): Generator<Raw> {
    try {
      if (empty) return;
      let item: string[] | undefined;
      // The document is whole only with its closing lines: `analyze --lossless` cut short
      // (killed, `head -n`) stops at an item boundary and would otherwise look complete.
      let closing = 0;
      let count = 0;
      for (const line of it) {
        if (item === undefined) {
          if (line === '  {' && closing === 0) item = [line];
          else if ((line === ' ]' && closing === 0) || (line === '}' && closing === 1)) closing++;
          else if (line === '') continue;
          else throw new Layout();
        } else {
          const end = line === '  }' || line === '  },';
          item.push(end ? '  }' : line);
          if (end) {
            yield { text: item.join('\n'), second: item[1] ?? '' };
            count++;
            item = undefined;
          }
        }
      }
      if (item !== undefined) throw new Layout();
      if (closing < 2) {
        fail(
          'truncated',
          `the document ends after item ${count - 1}, before its closing "]}": it was cut short`,
          {
            path: ['items', count],
          },
        );
      }
    } finally {
      it.return(undefined);
    }
  }
  return { pageSize, items: items() };
}

class Layout extends Error {}

function parse(raw: Raw, index: number): unknown {
  try {
    return JSON.parse(raw.text);
  } catch (e) {
    return fail('invalid-value', `item ${index} is not JSON: ${e instanceof Error ? e.message : String(e)}`, {
      path: ['items', index],
    });
  }
}

/**
 * The stream items of a lossless document file, read piece by piece; `undefined` when the file is
 * not laid out as `analyze --lossless` writes it (parse it whole then, `itemsFromLossless`).
 */
export function losslessFileItems(
  path: string,
  options: AssembleOptions = {},
): { pageSize: number; items: Iterable<StreamItem> } | undefined {
  const first = scan(path);
  if (!first) return undefined;
  let vd: LosslessVmdesc | undefined;
  let count = 0;
  try {
    for (const raw of first.items) {
      if (raw.second.startsWith('   "vmdesc":')) vd = vmdescOfItem(parse(raw, count), count);
      count++;
    }
  } catch (e) {
    if (e instanceof Layout) return undefined;
    throw e;
  }
  const size = first.pageSize;
  if (size < 512 || size > 1 << 24 || (size & (size - 1)) !== 0) {
    fail('invalid-value', '"pageSize" must be a power of two', { path: ['pageSize'] });
  }
  function* parsed(): Generator<unknown> {
    const again = scan(path);
    if (!again) return fail('other', `${path} changed while it was read`);
    let i = 0;
    try {
      for (const raw of again.items) yield parse(raw, i++);
    } catch (e) {
      if (e instanceof Layout) fail('other', `${path} changed while it was read`, { path: ['items', i] });
      throw e;
    }
  }
  return { pageSize: size, items: itemsOf(size, parsed(), vd, options) };
}
