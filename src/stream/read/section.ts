import { loadFrom, saveDescribed, saveTo, type VmdescBody } from '../../codec/index.js';
import type { Infer, MigrationContext, Vmsd } from '../../describe/index.js';
import { fail, MigrationError } from '../../errors/index.js';
import { Reader, Writer } from '../../wire/index.js';

/** Top-level item type bytes (spec §4). */
export const SectionType = {
  EOF: 0x00,
  START: 0x01,
  PART: 0x02,
  END: 0x03,
  FULL: 0x04,
  SUBSECTION: 0x05,
  VMDESCRIPTION: 0x06,
  CONFIGURATION: 0x07,
  COMMAND: 0x08,
  FOOTER: 0x7e,
} as const;

export interface SectionIdentity {
  /** The sender's handle for this section (any number; receivers only match footers with it). */
  readonly sectionId: number;
  /** The saved object's name: "fdc", "0000:00:01.1/ide", … */
  readonly idstr: string;
  readonly instanceId: number;
}

export interface SectionFraming {
  /** Footers are on for every machine type from 2.4 on (`send-section-footer`). */
  readonly footer: boolean;
}

/** Writes a FULL section header (spec §6.1). */
export function writeFullHeader(w: Writer, id: SectionIdentity, version: number): void {
  if (id.idstr.length === 0) fail('invalid-value', 'a section idstr cannot be empty');
  w.u8(SectionType.FULL);
  w.u32(id.sectionId);
  w.str8(id.idstr);
  w.u32(id.instanceId);
  w.u32(version);
}

export function writeFooter(w: Writer, sectionId: number): void {
  w.u8(SectionType.FOOTER);
  w.u32(sectionId);
}

/** Checks a section footer (spec §6.4): 0x7E and the same section id. */
export function readFooter(r: Reader, sectionId: number, idstr: string): void {
  const at = r.offset;
  const marker = r.u8();
  if (marker !== SectionType.FOOTER) {
    fail(
      'bad-footer',
      `missing section footer for ${idstr}: found 0x${marker.toString(16).padStart(2, '0')} instead of 0x7e`,
      {
        offset: at,
        path: [idstr],
        details: { found: marker },
      },
    );
  }
  const id = r.u32();
  if (id !== sectionId) {
    fail('bad-footer', `section footer for ${idstr} names section ${id}, expected ${sectionId}`, {
      offset: at + 1,
      path: [idstr],
      details: { found: id, expected: sectionId },
    });
  }
}

/** One device as a FULL section: header, body, footer (spec §6, §15). */
export function encodeFullSection<D extends Vmsd>(
  desc: D,
  state: Infer<D>,
  id: SectionIdentity,
  options: Partial<SectionFraming> & { ctx?: MigrationContext; writer?: Writer } = {},
): Uint8Array {
  const w = options.writer ?? new Writer(256);
  const start = w.pos;
  writeFullHeader(w, id, desc.version);
  saveTo(desc, w, state, options.ctx ? { ctx: options.ctx } : {});
  if (options.footer ?? true) writeFooter(w, id.sectionId);
  return w.peekBytes().slice(start);
}

/** As `encodeFullSection`, also returning the vmdesc device entry QEMU would write for it. */
export function encodeFullSectionDescribed<D extends Vmsd>(
  desc: D,
  state: Infer<D>,
  id: SectionIdentity,
  options: Partial<SectionFraming> & { ctx?: MigrationContext } = {},
): { bytes: Uint8Array; vmdesc: VmdescDevice } {
  const w = new Writer(256);
  writeFullHeader(w, id, desc.version);
  const { vmdesc } = saveDescribed(desc, state, { writer: w, ...(options.ctx ? { ctx: options.ctx } : {}) });
  if (options.footer ?? true) writeFooter(w, id.sectionId);
  return { bytes: w.finish(), vmdesc: { name: id.idstr, instance_id: id.instanceId, ...vmdesc } };
}

/** A vmdesc `devices[]` entry for a VMState-encoded section. */
export type VmdescDevice = { name: string; instance_id: number } & VmdescBody;

export interface DecodedSection<S> extends SectionIdentity {
  readonly version: number;
  readonly state: S;
}

/** Reads one FULL section for a known description; a failed load names the section and offset. */
export function decodeFullSection<D extends Vmsd>(
  desc: D,
  bytes: Uint8Array,
  options: Partial<SectionFraming> & { ctx?: MigrationContext; into?: Infer<D>; baseOffset?: number } = {},
): DecodedSection<Infer<D>> {
  const r = new Reader(bytes, { base: options.baseOffset ?? 0 });
  const at = r.offset;
  const type = r.u8();
  if (type !== SectionType.FULL) {
    fail('unexpected-byte', `expected a FULL section (0x04), found 0x${type.toString(16).padStart(2, '0')}`, {
      offset: at,
    });
  }
  const sectionId = r.u32();
  const idstr = r.str8();
  const instanceId = r.u32();
  const version = r.u32();
  let state: Infer<D>;
  try {
    state = loadFrom(desc, r, {
      version,
      ...(options.ctx ? { ctx: options.ctx } : {}),
      ...(options.into === undefined ? {} : { into: options.into }),
    });
    if (options.footer ?? true) readFooter(r, sectionId, idstr);
  } catch (e) {
    throw e instanceof MigrationError ? e.within(`${idstr} (${instanceId})`) : e;
  }
  if (r.remaining > 0)
    fail('trailing-bytes', `${r.remaining} byte(s) after section ${idstr}`, { offset: r.offset });
  return { sectionId, idstr, instanceId, version, state };
}
