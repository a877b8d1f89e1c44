import { fail } from '../../errors/index.js';
import { SectionType } from './section.js';
import type { ByteSource } from './source.js';

/** Bytes of look-ahead a plausibility check may need: a START/FULL header with a 255-byte name. */
const LOOKAHEAD = 1 + 4 + 1 + 255 + 8 + 1;
const MAX_COMMAND = 11;

export interface BoundaryContext {
  /** Section ids of START sections seen so far (PART/END may only name these). */
  readonly startIds: ReadonlySet<number>;
}

/** Reads byte i of the window relative to the read position, or undefined past the buffered end. */
function at(src: ByteSource, i: number): number | undefined {
  const j = src.pos + i;
  return j < src.end ? src.buf[j] : undefined;
}

function be32(src: ByteSource, i: number): number | undefined {
  if (src.pos + i + 4 > src.end) return undefined;
  return src.peekU32(i);
}

/**
 * Whether a top-level item plausibly starts at window position `i` (spec §16): a START/FULL
 * header with a printable name and small instance/version, a PART/END naming a known START, a
 * known command, or EOF followed by the end of input or a vmdesc.
 */
export function plausibleItemAt(src: ByteSource, i: number, ctx: BoundaryContext, eofAtEnd = true): boolean {
  const type = at(src, i);
  if (type === undefined) return false;
  switch (type) {
    case SectionType.EOF: {
      const next = at(src, i + 1);
      if (next === undefined) return src.done && eofAtEnd;
      return next === 0x06 && at(src, i + 6) === 0x7b;
    }
    case SectionType.START:
    case SectionType.FULL: {
      const n = at(src, i + 5);
      if (n === undefined || n === 0) return false;
      for (let k = 0; k < n; k++) {
        const c = at(src, i + 6 + k);
        if (c === undefined || c < 0x21 || c > 0x7e) return false;
      }
      const instance = be32(src, i + 6 + n);
      const version = be32(src, i + 10 + n);
      return instance !== undefined && version !== undefined && instance < 1 << 20 && version < 1 << 16;
    }
    case SectionType.PART:
    case SectionType.END: {
      const id = be32(src, i + 1);
      return id !== undefined && ctx.startIds.has(id);
    }
    case SectionType.COMMAND: {
      const hi = at(src, i + 1);
      const lo = at(src, i + 2);
      if (hi === undefined || lo === undefined) return false;
      const cmd = (hi << 8) | lo;
      return cmd >= 1 && cmd <= MAX_COMMAND;
    }
    default:
      return false;
  }
}

/**
 * Finds where the body of an undescribed section ends, without a length on the wire (spec §16):
 * with footers, at the first `7e` + section id that is followed by a plausible item; without
 * footers, at the first plausible item. Returns the body length from the read position.
 */
export async function findOpaqueEnd(
  src: ByteSource,
  sectionId: number,
  footers: boolean,
  ctx: BoundaryContext,
  maxBytes: number,
  path: readonly (string | number)[],
): Promise<number> {
  const start = src.offset;
  for (let i = 0; ; i++) {
    if (src.available < i + LOOKAHEAD + 5 && !src.done) {
      if (i > maxBytes) {
        fail('bound-exceeded', `no end found for an undescribed section within ${maxBytes} bytes`, {
          offset: start,
          path,
          details: { max: maxBytes },
        });
      }
      await src.fill(i + LOOKAHEAD + 5);
    }
    if (i >= src.available) {
      return fail(
        'truncated',
        footers
          ? 'no footer (0x7e + section id) for this undescribed section before the input ends: its footer is damaged, or the input was cut short'
          : 'the input ends inside an undescribed section without footers: no EOF byte can be told from its ' +
              'bytes (cut short? pass its description)',
        {
          offset: start,
          path,
          details: { footers },
        },
      );
    }
    if (i > maxBytes) {
      fail('bound-exceeded', `no end found for an undescribed section within ${maxBytes} bytes`, {
        offset: start,
        path,
        details: { max: maxBytes },
      });
    }
    if (footers) {
      // Jump to the next 0x7E among the bytes whose look-ahead is buffered (or all, at the end).
      const until = src.done ? src.end : Math.max(src.pos + i + 1, src.end - LOOKAHEAD - 5);
      const next = src.buf.subarray(0, until).indexOf(SectionType.FOOTER, src.pos + i);
      if (next < 0) {
        i = until - src.pos - 1;
        continue;
      }
      i = next - src.pos;
      if (be32(src, i + 1) === sectionId && plausibleItemAt(src, i + 5, ctx)) return i;
      // Without a footer, a 00 that happens to be the input's last byte cannot be told from the
      // EOF byte: a stream cut short inside this section would look whole. Such a stream must end
      // after a section whose end is known exactly (QEMU's last ones are: known-sections.ts).
    } else if (plausibleItemAt(src, i, ctx, false)) return i;
  }
}
