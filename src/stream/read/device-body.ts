import { loadFrom, type VmdescBody } from '../../codec/index.js';
import type { Vmsd } from '../../describe/index.js';
import { fail, MigrationError } from '../../errors/index.js';
import { Reader } from '../../wire/index.js';
import { findOpaqueEnd } from './boundary.js';
import type { SectionItem, StreamItem } from './items.js';
import { knownSection } from './known-sections.js';
import { asInternal, hex2, type ReaderState } from './reader-state.js';
import { SectionType } from './section.js';
import { describedSize } from './trailer.js';
import { isOpenCoded, type VmdescEntry } from './vmdesc.js';
import { framedLength } from './vmdesc-frame.js';

/** Look-ahead kept beyond a decoded body so QEMU's subsection peek sees what it would (spec §9.2). */
const PEEK_MARGIN = 2 + 255 + 5;

/**
 * The body of a FULL section: decoded by our description, by the stream's vmdesc, by QEMU's
 * fixed layout of a few known sections, or carried as opaque bytes delimited by spec §16's rules.
 */

export async function device(r: ReaderState, s: SectionItem, path: string[]): Promise<StreamItem> {
  const offset = r.src.offset;
  const own = r.options.descriptions?.(s);
  if (own) {
    const { state, body } = await decode(r, own, s.version, path);
    return { type: 'device', offset, decodedBy: 'description', desc: own, state, body };
  }
  const entry = r.entryFor(s.idstr, s.instanceId);
  if (!entry && r.footers === false && !r.vmdesc) {
    // Nothing else can delimit it: QEMU's own fixed layout, for the few sections it is known.
    const known = knownSection(s);
    if (known) {
      const { state, body } = await decode(r, known, s.version, path);
      return { type: 'device', offset, decodedBy: 'description', desc: known, state, body };
    }
  }
  if (entry && isOpenCoded(entry)) {
    const src = r.src;
    await src.need(entry.size, path, 'an open-coded section (size from the vmdesc)');
    return {
      type: 'opaque',
      offset: src.offset,
      body: src.take(entry.size),
      boundary: 'vmdesc-size',
      vmdesc: entry,
      vmdescIndex: r.entryIndex(entry),
    };
  }
  if (entry) {
    let desc: Vmsd;
    try {
      desc = r.descOf(entry, path);
    } catch (e) {
      // A vmdesc entry no description can be built from (7.2 NULL-pointer quirks): opaque bytes.
      if (e instanceof MigrationError && e.code === 'invalid-description') return opaque(r, s, path);
      throw e;
    }
    const framedItem = r.options.bodies === 'framed' ? await framed(r, s, entry) : undefined;
    if (framedItem) return framedItem;
    let decoded: { state: Record<string, unknown>; body: Uint8Array };
    try {
      decoded = await decode(r, desc, s.version, path, true);
    } catch (e) {
      const fallback = e instanceof MigrationError ? await mismatch(r, s, entry, path) : undefined;
      if (fallback) return fallback;
      throw e;
    }
    const { state, body } = decoded;
    const vmdescIndex = r.entryIndex(entry);
    return { type: 'device', offset, decodedBy: 'vmdesc', desc, state, body, vmdesc: entry, vmdescIndex };
  }
  return opaque(r, s, path);
}

/**
 * `bodies: 'framed'`: the body delimited by its vmdesc entry (vmdesc-frame.ts) and carried as bytes
 * with the entry, when that is sure to be where decoding would end it; else undefined.
 */
async function framed(r: ReaderState, s: SectionItem, entry: VmdescEntry): Promise<StreamItem | undefined> {
  if (!r.hasFooters) return undefined;
  const src = r.src;
  const max = r.maxSection + PEEK_MARGIN;
  // The window grows as `decode` grows it; a body it cannot hold is left to `decode` (and its errors).
  if (src.available < 65536) await src.fill(65536);
  const inWindow = () =>
    framedLength(entry as VmdescBody, s.version, src.buf.subarray(src.pos, src.end), SectionType.FOOTER);
  let n = inWindow();
  while (n === 'more' && !src.done && src.available < max) {
    await src.fill(Math.min(Math.max(src.available * 2, src.available + 65536), max));
    n = inWindow();
  }
  if (n === undefined || n === 'more' || n > r.maxSection) return undefined;
  const offset = src.offset;
  return {
    type: 'opaque',
    offset,
    body: src.take(n),
    boundary: 'vmdesc',
    vmdesc: entry,
    vmdescIndex: r.entryIndex(entry),
  };
}

/**
 * A section its vmdesc entry could not decode. When the footer puts its end elsewhere than the
 * entry's size says, the vmdesc is what is wrong (QEMU never reads it): the section is carried as
 * opaque bytes and `vmdescMismatches` says so. When the sizes agree, the body itself is damaged:
 * undefined, and the decoding error stands.
 */
export async function mismatch(
  r: ReaderState,
  s: SectionItem,
  entry: VmdescEntry,
  path: string[],
): Promise<StreamItem | undefined> {
  const footers = r.hasFooters;
  if (!footers) return undefined;
  const size = describedSize(entry);
  const start = r.src.offset;
  let length: number;
  try {
    length = await findOpaqueEnd(r.src, s.sectionId, true, { startIds: r.startIds }, r.maxSection, path);
  } catch (e) {
    if (e instanceof MigrationError) return undefined;
    throw e;
  }
  if (size === length) return undefined;
  r.vmdescMismatches.push(
    `${path[0]}: the vmdesc describes ${size ?? 'an unknown number of'} bytes, its footer ends it after ${length}`,
  );
  return { type: 'opaque', offset: start, body: r.src.take(length), boundary: 'footer' };
}

export async function opaque(r: ReaderState, s: SectionItem, path: string[]): Promise<StreamItem> {
  const src = r.src;
  const footers = r.hasFooters;
  const n = await findOpaqueEnd(src, s.sectionId, footers, { startIds: r.startIds }, r.maxSection, path);
  const offset = src.offset;
  return { type: 'opaque', offset, body: src.take(n), boundary: footers ? 'footer' : 'heuristic' };
}

/**
 * Decodes one body from the window, buffering more until the outcome cannot depend on bytes
 * not yet read (a subsection peek looks up to 257 bytes ahead).
 */
export async function decode(
  reader: ReaderState,
  desc: Vmsd,
  version: number,
  path: string[],
  checkFooter = false,
): Promise<{ state: Record<string, unknown>; body: Uint8Array }> {
  const src = reader.src;
  if (src.available < 65536) await src.fill(65536);
  for (;;) {
    const rd = new Reader(src.buf.subarray(src.pos, src.end), { base: src.offset });
    let state: Record<string, unknown> | undefined;
    let error: MigrationError | undefined;
    try {
      state = loadFrom(desc, rd, {
        version,
        ...(reader.options.ctx ? { ctx: reader.options.ctx } : {}),
      }) as Record<string, unknown>;
    } catch (e) {
      error = e instanceof MigrationError ? e : asInternal(e, rd.offset);
    }
    const trusted = src.done || (error?.code !== 'truncated' && rd.pos + PEEK_MARGIN <= src.available);
    if (trusted) {
      if (error) throw error.within(...path);
      // With `checkFooter`, a body that does not end at its footer fails before anything is taken,
      // so the caller can read the section another way (a vmdesc entry that does not fit).
      if (checkFooter && reader.hasFooters) {
        const at = src.pos + rd.pos;
        // A footer naming another section is left to `footer`, which says which.
        const ok = at < src.end && src.buf[at] === SectionType.FOOTER;
        if (!ok) {
          const found = at < src.end ? hex2(src.buf[at] as number) : 'the end of the input';
          fail(
            'bad-footer',
            `the section body ends here by its description, but its footer does not follow (found ${found}): ` +
              'a damaged subsection marker (0x05) or footer, or a body of another layout',
            { offset: src.offset + rd.pos, path },
          );
        }
      }
      return { state: state as Record<string, unknown>, body: src.take(rd.pos) };
    }
    if (src.available >= reader.maxSection) {
      fail('bound-exceeded', `section body larger than the limit of ${reader.maxSection} bytes`, {
        offset: src.offset,
        path,
        details: { max: reader.maxSection },
      });
    }
    await src.fill(
      Math.min(Math.max(src.available * 2, src.available + 65536), reader.maxSection + PEEK_MARGIN),
    );
  }
}
