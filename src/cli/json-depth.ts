import { open } from 'node:fs/promises';
import { UsageError } from './exit-codes.js';

/**
 * The deepest JSON nesting the description readers are given: about 1,300 levels of nested
 * struct fields (three JSON levels each), 2,000 of subsections. Deeper input is refused up front
 * with a clear message instead of running the recursive readers out of stack.
 */
export const MAX_JSON_DEPTH = 4000;

/** The nesting depth of a JSON file, measured without parsing it (strings skipped), in 1 MiB reads. */
export async function jsonDepth(path: string): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let depth = 0;
    let max = 0;
    let inString = false;
    let escaped = false;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return max;
      for (let i = 0; i < bytesRead; i++) {
        const c = buf[i] as number;
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 0x5c) escaped = true;
          else if (c === 0x22) inString = false;
        } else if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) {
          depth++;
          if (depth > max) max = depth;
        } else if (c === 0x7d || c === 0x5d) depth--;
      }
    }
  } finally {
    await fh.close();
  }
}

/** Refuses a `.json` input nested deeper than MAX_JSON_DEPTH (other inputs pass; unreadable ones too: their loader says why). */
export async function refuseDeepJson(path: string): Promise<void> {
  if (!path.toLowerCase().endsWith('.json')) return;
  let depth: number;
  try {
    depth = await jsonDepth(path);
  } catch {
    return;
  }
  if (depth > MAX_JSON_DEPTH) {
    throw new UsageError(`${path} is nested ${depth} levels deep, more than the ${MAX_JSON_DEPTH} accepted`);
  }
}

/** A stack overflow in a recursive walk (a module's descriptions nested too deeply) as a usage error. */
export function tooDeep(e: unknown, what: string): never {
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    throw new UsageError(`${what} is nested too deeply to be read (${e.message})`);
  }
  throw e;
}
