/**
 * Mutation fuzzing of real streams, shared by the bounded suite test (`fuzz.test.ts`) and the long
 * run (`npm run fuzz`, `fuzz-run.ts`). One case: mutate a real stream, read it, and for every
 * stream that is accepted check that its lossless document assembles back to the same bytes.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MigrationError } from '../../src/errors/index.js';
import {
  encodeStream,
  itemsFromLossless,
  LosslessBuilder,
  losslessChunks,
  readStream,
  type StreamItem,
} from '../../src/stream/index.js';

export const VECTORS = 'test/vectors';

/** Every real stream under test/vectors (`*.mig`), by path. */
export function realStreams(root = VECTORS): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(root, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(root, dir.name)).sort()) {
      if (f.endsWith('.mig')) out.push(join(root, dir.name, f));
    }
  }
  return out;
}

/** A real stream with its RAM sections cut to their first records, so each case is quick. */
export async function smallRealStream(path: string, keep = 40): Promise<Uint8Array> {
  const items: StreamItem[] = [];
  let records = 0;
  for await (const item of readStream(path)) {
    if (item.type === 'ram-zero' || item.type === 'ram-page') {
      if (++records > keep) continue;
      items.push(item.type === 'ram-page' ? { ...item, data: item.data.slice() } : item);
    } else items.push(item);
  }
  return encodeStream(items);
}

export type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'cut'; at: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'big'; at: number };

export const SET_VALUES = [0, 1, 2, 4, 5, 6, 7, 8, 0x10, 0x20, 0x7e, 0xff] as const;

export function apply(bytes: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = bytes.slice();
  for (const m of ms) {
    const at = m.at % Math.max(1, b.length);
    switch (m.kind) {
      case 'flip':
        b[at] = (b[at] as number) ^ m.mask;
        break;
      case 'set':
        b[at] = m.value;
        break;
      case 'cut':
        b = b.slice(0, at);
        break;
      case 'delete': {
        const next = new Uint8Array(b.length - Math.min(m.length, b.length - at));
        next.set(b.subarray(0, at));
        next.set(b.subarray(at + m.length), at);
        b = next;
        break;
      }
      case 'insert': {
        const next = new Uint8Array(b.length + m.bytes.length);
        next.set(b.subarray(0, at));
        next.set(m.bytes, at);
        next.set(b.subarray(at), at + m.bytes.length);
        b = next;
        break;
      }
      case 'big':
        b.fill(0xff, at, at + 4);
        break;
    }
  }
  return b;
}

/** A small deterministic PRNG (mulberry32), so the long run needs no fast-check and is repeatable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 1–3 random mutations; offsets are biased towards the vmdesc and the device sections near the end. */
export function randomMutations(next: () => number, length: number): Mutation[] {
  const n = 1 + Math.floor(next() * 3);
  const int = (k: number) => Math.floor(next() * k);
  const place = () => (next() < 0.5 ? int(length) : length - 1 - int(Math.min(length, 40000)));
  const out: Mutation[] = [];
  for (let i = 0; i < n; i++) {
    const at = Math.max(0, place());
    switch (int(6)) {
      case 0:
        out.push({ kind: 'flip', at, mask: 1 + int(255) });
        break;
      case 1:
        out.push({ kind: 'set', at, value: SET_VALUES[int(SET_VALUES.length)] as number });
        break;
      case 2:
        out.push({ kind: 'cut', at });
        break;
      case 3:
        out.push({ kind: 'delete', at, length: 1 + int(64) });
        break;
      case 4:
        out.push({ kind: 'insert', at, bytes: Array.from({ length: 1 + int(16) }, () => int(256)) });
        break;
      default:
        out.push({ kind: 'big', at });
    }
  }
  return out;
}

export type Outcome =
  | { kind: 'rejected'; error: MigrationError }
  | { kind: 'accepted' }
  /** Accepted, but the lossless document does not assemble back to the same bytes. */
  | { kind: 'not-lossless'; detail: string };

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}

/**
 * Reads `bytes` as `analyze --lossless` does and, when accepted, assembles the document's text
 * back. Anything but a MigrationError escapes (the caller counts it as a crash).
 */
export async function losslessOutcome(bytes: Uint8Array): Promise<Outcome> {
  let text: string;
  try {
    // What `analyze --lossless` does, without the state rendering it does besides.
    let builder: LosslessBuilder | undefined;
    for await (const item of readStream(bytes)) {
      if (item.type === 'header') builder = new LosslessBuilder(item.pageSize);
      builder?.add(item);
    }
    text = [...losslessChunks((builder as LosslessBuilder).finish())].join('');
  } catch (e) {
    if (e instanceof MigrationError) return { kind: 'rejected', error: e };
    throw e;
  }
  let back: Uint8Array;
  try {
    back = encodeStream(itemsFromLossless(JSON.parse(text)));
  } catch (e) {
    if (e instanceof MigrationError)
      return { kind: 'not-lossless', detail: `assemble refused: ${e.message}` };
    throw e;
  }
  if (same(back, bytes)) return { kind: 'accepted' };
  let at = 0;
  while (at < back.length && back[at] === bytes[at]) at++;
  return {
    kind: 'not-lossless',
    detail: `assembled ${back.length} bytes for ${bytes.length}, first difference at byte ${at}`,
  };
}

/** Runs a promise with a deadline; a case that takes longer is a hang. */
export async function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | 'hang'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'hang'>((res) => {
    timer = setTimeout(() => res('hang'), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
