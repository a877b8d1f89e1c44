import { open } from 'node:fs/promises';
import { nodesOf } from '../../codec/index.js';
import { fail, MigrationError } from '../../errors/index.js';
import type { Vmdesc } from './vmdesc.js';
import { hasCollections, parseVmdescKeepingElements } from './vmdesc-nodes.js';

/** QEMU_VM_VMDESCRIPTION (spec §13.1). */
export const VMDESC_MARKER = 0x06;

/** Limits applied to a vmdesc before anything is built from it. */
export interface VmdescLimits {
  /** Largest JSON accepted, in bytes (default 64 MiB). */
  readonly maxBytes?: number;
  /** Largest total byte size one device entry may describe (default 64 MiB). */
  readonly maxDeviceBytes?: number;
}

const DEFAULT_MAX_JSON = 64 << 20;
const DEFAULT_MAX_DEVICE = 64 << 20;
const MAX_DEPTH = 64;

function be32(b: Uint8Array, at: number): number {
  return (
    (((b[at] as number) << 24) |
      ((b[at + 1] as number) << 16) |
      ((b[at + 2] as number) << 8) |
      (b[at + 3] as number)) >>>
    0
  );
}

/**
 * Finds the vmdesc at the very end of a file's bytes: `00` (EOF), `06`, be32 L, L bytes of JSON
 * reaching exactly to the end. `tail` holds the last bytes of the input, `tailStart` its offset.
 * Returns undefined when there is none (2.2-era streams, postcopy, device-only saves), and
 * `'more'` when the window holds only JSON-like bytes and a larger one must be looked at.
 */
export function findTrailer(
  tail: Uint8Array,
  tailStart: number,
): { offset: number; text: string; bytes: Uint8Array } | undefined | 'more' {
  // JSON from QEMU holds neither 0x00 nor 0x06 (control characters are escaped, UTF-8 continuation
  // bytes are ≥ 0x80): the last such byte is the marker, a byte of L, or the EOF byte before them.
  const last = Math.max(tail.lastIndexOf(0x00), tail.lastIndexOf(VMDESC_MARKER));
  if (last < 0) return tailStart > 0 ? 'more' : undefined;
  for (let i = Math.min(last, tail.length - 5); i >= Math.max(0, last - 4); i--) {
    if (tail[i] !== VMDESC_MARKER) continue;
    if (be32(tail, i + 1) !== tail.length - i - 5) continue;
    if (i === 0 && tailStart > 0) return 'more';
    if (i > 0 && tail[i - 1] !== 0x00) continue;
    const json = tail.subarray(i + 5);
    if (json[0] !== 0x7b) continue;
    return { offset: tailStart + i, text: Buffer.from(json).toString('utf8'), bytes: json };
  }
  return undefined;
}

/** The vmdesc's bytes as text, and whether that text encodes back to exactly those bytes. */
export function vmdescText(bytes: Uint8Array): { text: string; exact: boolean } {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return {
    text,
    exact: Buffer.byteLength(text, 'utf8') === bytes.length && Buffer.from(text, 'utf8').equals(bytes),
  };
}

/** Parses a vmdesc, or says why it cannot be used (a damaged trailer: sections are read without it). */
export function tryParseVmdesc(
  bytes: Uint8Array,
  offset: number,
  limits: VmdescLimits = {},
): { text: string; vmdesc?: Vmdesc; problem?: string } {
  const { text, exact } = vmdescText(bytes);
  if (!exact) return { text, problem: 'it is not valid UTF-8' };
  try {
    return { text, vmdesc: parseVmdesc(text, offset, limits) };
  } catch (e) {
    if (e instanceof MigrationError) return { text, problem: e.issues[0]?.message ?? e.message };
    throw e;
  }
}

/** The byte size a vmdesc device entry describes (subsection headers included), when it can tell. */
export function describedSize(entry: unknown): number | undefined {
  try {
    return new Checker(0, Number.MAX_SAFE_INTEGER).body(entry as Json, 0);
  } catch {
    return undefined;
  }
}

/** Reads a file's vmdesc trailer from its end (a few seeks), without reading the rest of the file. */
export async function readTrailer(
  path: string,
  limits: VmdescLimits = {},
): Promise<
  { offset: number; fileSize: number; text: string; vmdesc?: Vmdesc; problem?: string } | undefined
> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const max = Math.min(size, (limits.maxBytes ?? DEFAULT_MAX_JSON) + 6);
    let found: ReturnType<typeof findTrailer>;
    for (let want = Math.min(max, 1 << 20); ; want = Math.min(max, want * 4)) {
      const tail = new Uint8Array(want);
      let got = 0;
      while (got < want) {
        const { bytesRead } = await fh.read(tail, got, want - got, size - want + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      found = findTrailer(tail.subarray(0, got), size - want);
      if (found !== 'more') break;
      if (want >= max) return undefined;
    }
    if (found === undefined) return undefined;
    const bounded = {
      ...limits,
      maxDeviceBytes: Math.min(limits.maxDeviceBytes ?? DEFAULT_MAX_DEVICE, size),
    };
    return { offset: found.offset, ...tryParseVmdesc(found.bytes, found.offset, bounded), fileSize: size };
  } finally {
    await fh.close();
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: Json | undefined): v is { [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nat(v: Json | undefined): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Field types whose nested vmsd members QEMU writes into the field object itself. */
const INLINE_BODY = new Set(['tmp', 'vstruct', 'qtailq', 'qlist', 'gtree']);

class Checker {
  /** Where the check is, kept as a stack (copied only for an error). */
  private readonly path: (string | number)[] = [];

  constructor(
    private readonly offset: number,
    private readonly maxDevice: number,
  ) {}

  bad(message: string, ...more: (string | number)[]): never {
    return fail('invalid-description', `vmdesc: ${message}`, {
      offset: this.offset,
      path: ['vmdesc', ...this.path, ...more],
    });
  }

  within<T>(segment: string | number, f: () => T): T {
    this.path.push(segment);
    const out = f();
    this.path.pop();
    return out;
  }

  /** Checks a vmsd body and returns the byte size it describes (headers of subsections included). */
  body(v: Json | undefined, depth: number): number {
    if (depth > MAX_DEPTH) this.bad('nested too deeply');
    if (!isObject(v)) return this.bad('expected an object');
    if (typeof v.vmsd_name !== 'string') this.bad('"vmsd_name" must be a string');
    if (typeof v.version !== 'number' || !Number.isSafeInteger(v.version))
      this.bad('"version" must be an integer');
    const fields = v.fields;
    if (!Array.isArray(fields)) return this.bad('"fields" must be an array');
    let total = 0;
    this.path.push(v.vmsd_name as string, 0);
    for (let i = 0; i < fields.length; i++) {
      this.path[this.path.length - 1] = i;
      total += this.field(fields[i], depth + 1);
    }
    this.path.length -= 2;
    if (v.subsections !== undefined) {
      const subs = v.subsections;
      if (!Array.isArray(subs)) return this.bad('"subsections" must be an array');
      for (const s of subs) {
        const sub = this.within('subsections', () => this.body(s, depth + 1));
        total += 6 + String((s as { vmsd_name: string }).vmsd_name).length + sub;
      }
    }
    if (total > this.maxDevice) this.bad(`describes ${total} bytes, more than the limit ${this.maxDevice}`);
    return total;
  }

  field(f: Json | undefined, depth: number): number {
    if (!isObject(f)) return this.bad('a field must be an object');
    if (typeof f.name !== 'string') this.bad('a field needs a string "name"');
    if (typeof f.type !== 'string') this.bad(`field "${f.name}" needs a string "type"`);
    if (!nat(f.size)) this.bad(`field "${f.name}" needs a non-negative integer "size"`);
    if (f.array_len !== undefined && !nat(f.array_len)) this.bad(`field "${f.name}": bad "array_len"`);
    if (f.index !== undefined && !nat(f.index)) this.bad(`field "${f.name}": bad "index"`);
    if (f.struct !== undefined) {
      const st = f.struct;
      if (!isObject(st)) this.bad(`field "${f.name}": "struct" must be an object`);
      // 7.2 describes a NULL pointer slot as `"struct": {}` (spec §13.2); it is carried as bytes.
      if (Object.keys(st as object).length > 0) this.within(f.name as string, () => this.body(st, depth + 1));
    }
    if (INLINE_BODY.has(f.type as string) && f.vmsd_name !== undefined) {
      this.within(f.name as string, () => this.body(f, depth + 1));
      // Each element's own body (kept by the parser) is built into a description too.
      const nodes = nodesOf(f);
      nodes?.forEach((node, i) => {
        this.within(f.name as string, () =>
          this.within(i, () => this.body(node.value as unknown as Json, depth + 1)),
        );
      });
    }
    const n = (f.array_len as number | undefined) ?? 1;
    if (n > this.maxDevice) this.bad(`field "${f.name}" has ${n} elements`);
    const total = n * (f.size as number);
    if (total > this.maxDevice) this.bad(`field "${f.name}" describes ${total} bytes`);
    return total;
  }
}

/**
 * Parses and checks a vmdesc JSON text (spec §13.2) so that nothing built from it can be larger
 * or deeper than the limits: a hostile description fails here, as a MigrationError.
 */
export function parseVmdesc(text: string, offset: number, limits: VmdescLimits = {}): Vmdesc {
  if (text.length > (limits.maxBytes ?? DEFAULT_MAX_JSON)) {
    fail('bound-exceeded', `the vmdesc is ${text.length} bytes, more than the limit`, {
      offset,
      path: ['vmdesc'],
    });
  }
  let parsed: Json;
  try {
    // With lists or trees, also keep each element's body (QEMU repeats their keys in one object).
    parsed = (hasCollections(text) ? parseVmdescKeepingElements(text, offset) : JSON.parse(text)) as Json;
  } catch (e) {
    if (e instanceof MigrationError) throw e;
    return fail(
      'invalid-description',
      `the vmdesc is not JSON: ${e instanceof Error ? e.message : String(e)}`,
      {
        offset,
        path: ['vmdesc'],
      },
    );
  }
  const c: Checker = new Checker(offset, limits.maxDeviceBytes ?? DEFAULT_MAX_DEVICE);
  if (!isObject(parsed)) return c.bad('the top level must be an object');
  if (parsed.page_size !== undefined && !nat(parsed.page_size)) c.bad('"page_size" must be an integer');
  const configuration = parsed.configuration;
  if (configuration !== undefined) c.within('configuration', () => c.body(configuration, 0));
  if (!Array.isArray(parsed.devices)) return c.bad('"devices" must be an array');
  const devices = parsed.devices;
  for (let i = 0; i < devices.length; i++) {
    const d = devices[i];
    c.within('devices', () =>
      c.within(i, () => {
        if (!isObject(d)) return c.bad('a device must be an object');
        if (typeof d.name !== 'string') c.bad('a device needs a string "name"');
        if (typeof d.instance_id !== 'number' || !Number.isSafeInteger(d.instance_id))
          c.bad('a device needs an integer "instance_id"');
        if (d.vmsd_name !== undefined) return c.body(d, 0);
        if (!nat(d.size)) c.bad('an open-coded device needs a "size"');
        if ((d.size as number) > (limits.maxDeviceBytes ?? DEFAULT_MAX_DEVICE))
          c.bad(`device "${d.name}" is larger than the limit`);
        if (!Array.isArray(d.fields)) c.bad('"fields" must be an array');
        return 0;
      }),
    );
  }
  return parsed as unknown as Vmdesc;
}
