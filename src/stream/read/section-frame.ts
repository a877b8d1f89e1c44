import { SUBSECTION_MARKER } from '../../codec/index.js';
import { fail } from '../../errors/index.js';
import type { SectionItem, SectionKind, StreamItem } from './items.js';
import { hex2, type KnownSection, type ReaderState } from './reader-state.js';
import { SectionType } from './section.js';

/** A section's header and footer (spec §6.1). */

export async function sectionHeader(r: ReaderState, type: number, at: number): Promise<SectionItem> {
  const src = r.src;
  let kind: SectionKind;
  let id: number;
  let known: KnownSection;
  if (type === SectionType.START || type === SectionType.FULL) {
    kind = type === SectionType.START ? 'start' : 'full';
    await src.need(6, [], 'a section header');
    id = src.u32();
    const n = src.peek(0) as number;
    if (n === 0) fail('unexpected-byte', 'a section idstr cannot be empty', { offset: src.offset });
    await src.need(1 + n + 8, [], 'a section header');
    const idstr = src.str8();
    const instanceId = src.u32();
    const version = src.u32();
    known = { idstr, instanceId, version };
    r.sections.set(id, known);
    if (kind === 'start') r.startIds.add(id);
  } else {
    kind = type === SectionType.PART ? 'part' : 'end';
    await src.need(4, [], 'a section header');
    id = src.u32();
    const found = r.sections.get(id);
    if (!found || !r.startIds.has(id)) {
      return fail(
        'unknown-section',
        `${kind.toUpperCase()} section for section id ${id}, which no START opened`,
        {
          offset: at,
          details: { sectionId: id },
        },
      );
    }
    known = found;
  }
  return { type: 'section', offset: at, kind, sectionId: id, ...known };
}

export async function footer(r: ReaderState, id: number, path: string[]): Promise<StreamItem> {
  const src = r.src;
  const at = src.offset;
  if (r.footers === undefined) {
    // 0x7E never starts an item, so it can only be a footer; a stream with a configuration
    // section comes from a machine type that also sends footers (both arrived in 2.4).
    await src.fill(1);
    r.footers = src.peek(0) === SectionType.FOOTER || r.config !== undefined;
  }
  if (!r.footers) return { type: 'section-end', offset: at, sectionId: id, footer: false };
  await src.need(1, path, 'the section footer');
  const marker = src.u8();
  if (marker === SUBSECTION_MARKER && src.done && src.available < 1 + (src.peek(0) ?? 0) + 4) {
    // QEMU's subsection peek gives up at the end of input; what is missing is the input's end.
    fail('truncated', 'the input ends inside a subsection header', { offset: at, path });
  }
  if (marker !== SectionType.FOOTER) {
    const why =
      marker === SUBSECTION_MARKER
        ? 'a subsection its description does not have, or a damaged footer'
        : 'the section body ends here by its description: a damaged subsection marker (0x05) or footer, or a body of another layout';
    fail('bad-footer', `missing section footer: found ${hex2(marker)} instead of 0x7e (${why})`, {
      offset: at,
      path,
      details: { found: marker },
    });
  }
  await src.need(4, path, 'the section footer');
  const got = src.u32();
  if (got !== id) {
    fail('bad-footer', `section footer names section ${got}, expected ${id}`, {
      offset: at + 1,
      path,
      details: { found: got, expected: id },
    });
  }
  return { type: 'section-end', offset: at, sectionId: id, footer: true };
}
