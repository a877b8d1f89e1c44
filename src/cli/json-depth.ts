import { readFileSync } from 'node:fs';
import { isJsonInput } from '../compat/check/dump-text.js';
import { UsageError } from './exit-codes.js';

/**
 * The deepest JSON nesting the description readers are given: about 1,300 levels of nested
 * struct fields (three JSON levels each), 2,000 of subsections. Deeper input is refused up front
 * with a clear message instead of running the recursive readers out of stack.
 */
export const MAX_JSON_DEPTH = 4000;

/** The characters that matter to nesting: brackets, and quotes (strings are skipped whole). */
const STRUCTURAL = /[{}[\]"]/g;

/**
 * The nesting depth of JSON text, measured without parsing it (brackets inside strings do not
 * count; the text need not be valid). A regular expression jumps from one bracket or quote to the
 * next and indexOf to a string's closing quote: the whitespace and string contents that make up
 * most of a dump are never visited one character at a time.
 */
export function jsonDepthOf(text: string): number {
  let depth = 0;
  let max = 0;
  STRUCTURAL.lastIndex = 0;
  while (STRUCTURAL.test(text)) {
    const at = STRUCTURAL.lastIndex - 1;
    const c = text.charCodeAt(at);
    if (c === 0x22) {
      const end = closingQuote(text, at);
      if (end < 0) break;
      STRUCTURAL.lastIndex = end + 1;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) max = depth;
    } else depth--;
  }
  return max;
}

/** The quote that ends the string opened at `open` (one not escaped by an odd run of backslashes), or -1. */
function closingQuote(text: string, open: number): number {
  let q = open;
  for (;;) {
    q = text.indexOf('"', q + 1);
    if (q < 0) return -1;
    let b = q - 1;
    while (text.charCodeAt(b) === 0x5c) b--;
    if ((q - 1 - b) % 2 === 0) return q;
  }
}

/** Refuses JSON text nested deeper than MAX_JSON_DEPTH, naming the input as `path`. */
export function refuseDeepText(text: string, path: string): void {
  const depth = jsonDepthOf(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new UsageError(`${path} is nested ${depth} levels deep, more than the ${MAX_JSON_DEPTH} accepted`);
  }
}

/** Refuses a `.json` input nested deeper than MAX_JSON_DEPTH (other inputs pass; unreadable ones too: their loader says why). */
export async function refuseDeepJson(path: string): Promise<void> {
  if (!isJsonInput(path)) return;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return;
  }
  refuseDeepText(text, path);
}

/** A stack overflow in a recursive walk (a module's descriptions nested too deeply) as a usage error. */
export function tooDeep(e: unknown, what: string): never {
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    throw new UsageError(`${what} is nested too deeply to be read (${e.message})`);
  }
  throw e;
}
