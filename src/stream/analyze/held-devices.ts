import { loadFrom } from '../../codec/index.js';
import type { MigrationContext } from '../../describe/index.js';
import { fail, MigrationError } from '../../errors/index.js';
import { Reader } from '../../wire/index.js';
import { describedSize } from '../read/trailer.js';
import { fromVmdescBody, isOpenCoded, type Vmdesc, type VmdescEntry } from '../read/vmdesc.js';
import { VmdescEntries } from '../read/vmdesc-entries.js';
import { hexBytes, renderDevice } from './analyze-state.js';
import type { PyValue } from './pyjson.js';

/** Device bytes held for a stream read from a pipe, until its vmdesc arrives (default 64 MiB). */
export const DEFAULT_MAX_HELD_DEVICE_BYTES = 64 << 20;

interface Held {
  readonly idstr: string;
  readonly instanceId: number;
  readonly version: number;
  /** The section's body (up to its footer), at `offset` in the stream. */
  readonly body: Uint8Array;
  readonly offset: number;
}

/** How one held section came out once the vmdesc was known. */
export interface HeldResult {
  readonly value: Map<string, PyValue>;
  /** The vmdesc entry it was rendered by (absent when opaque). */
  readonly entry?: VmdescEntry;
  /** No vmdesc entry could decode it: shown as `{"data": …}`. */
  readonly opaque: boolean;
}

/** Whether a body read before the vmdesc is held for it: a FULL section with no entry yet. */
export function heldUntilVmdesc(item: { readonly vmdesc?: unknown }, sectionKind: string): boolean {
  return !item.vmdesc && sectionKind === 'full';
}

/**
 * FULL device sections of a stream whose vmdesc comes last (a pipe cannot be rewound to read it
 * first), kept as bytes until it arrives and then rendered exactly as the reader renders them
 * when it knows the vmdesc up front: the same entry for each section (in stream order), the
 * same decoding, the same fallbacks. Memory is bounded: past `maxBytes` the stream is refused.
 */
export class HeldDevices {
  private readonly held: Held[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes = DEFAULT_MAX_HELD_DEVICE_BYTES) {}

  /** Holds a section; returns its index for `resolve`'s results. */
  hold(section: Held): number {
    this.bytes += section.body.length;
    if (this.bytes > this.maxBytes) {
      fail(
        'bound-exceeded',
        `device sections read from a pipe are held until the vmdesc at the end; they exceed the limit of ${this.maxBytes} bytes (read the stream from a file instead)`,
        {
          offset: section.offset,
          path: [`${section.idstr} (${section.instanceId})`],
          details: { max: this.maxBytes },
        },
      );
    }
    this.held.push(section);
    return this.held.length - 1;
  }

  get size(): number {
    return this.held.length;
  }

  /** Renders every held section with `vmdesc` (undefined: the stream has none, all stay opaque). */
  resolve(vmdesc: Vmdesc | undefined, ctx?: MigrationContext): HeldResult[] {
    // The same entry for each section as the reader would have given it.
    const entries = new VmdescEntries(vmdesc);
    return this.held.map((h) => {
      const entry = entries.next(h.idstr, h.instanceId);
      return render(h, entry, ctx);
    });
  }
}

const opaque = (h: Held): HeldResult => ({
  value: new Map<string, PyValue>([['data', hexBytes(h.body)]]),
  opaque: true,
});

function render(h: Held, entry: VmdescEntry | undefined, ctx: MigrationContext | undefined): HeldResult {
  if (!entry) return opaque(h);
  if (isOpenCoded(entry)) return { value: renderDevice(entry, h.body, h.offset), opaque: false, entry };
  const path = [`${h.idstr} (${h.instanceId})`];
  let desc: ReturnType<typeof fromVmdescBody>;
  try {
    desc = fromVmdescBody(entry as Parameters<typeof fromVmdescBody>[0]);
  } catch (e) {
    // An entry no description can be built from (7.2 NULL-pointer quirks): opaque bytes.
    if (e instanceof MigrationError && e.code === 'invalid-description') return opaque(h);
    throw e instanceof MigrationError ? e.within(...path) : e;
  }
  const r = new Reader(h.body, { base: h.offset });
  try {
    loadFrom(desc, r, { version: h.version, ...(ctx ? { ctx } : {}) });
  } catch (e) {
    if (!(e instanceof MigrationError)) throw e;
    // The entry fits the footer's length: the body itself is damaged, as the reader would say.
    if (describedSize(entry) === h.body.length) throw e.within(...path);
    return opaque(h);
  }
  if (r.pos !== h.body.length) return opaque(h);
  return { value: renderDevice(entry, h.body, h.offset), opaque: false, entry };
}
