import type { JsonValue } from '../analyze/state-json.js';

/**
 * The lossless JSON form of a stream: every item in order, device state as editable typed JSON
 * (see state-json.ts), RAM pages in base64, runs of zero pages folded. `assemble` turns it back
 * into the same bytes; edited values are re-encoded by the descriptions.
 */
export const LOSSLESS_FORMAT = 'vmstate-lossless/1';

/** One item of a lossless document: an object with exactly one key, the item's kind. */
export type DocItem = { [k: string]: JsonValue };

export interface LosslessDoc {
  format: typeof LOSSLESS_FORMAT;
  pageSize: number;
  items: DocItem[];
}

/** 64-bit addresses and lengths are written as hex text (JSON numbers stop at 2^53). */
export const hex64 = (v: bigint): string => `0x${v.toString(16)}`;
