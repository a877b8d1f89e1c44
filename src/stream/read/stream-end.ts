import { fail } from '../../errors/index.js';
import { hex2, type ReaderState } from './reader-state.js';
import { tryParseVmdesc, VMDESC_MARKER } from './trailer.js';
import type { Vmdesc } from './vmdesc.js';

/** What may follow the final EOF: the vmdesc (spec §13), and nothing after it. */

export async function trailer(r: ReaderState): Promise<void> {
  const src = r.src;
  if (!(await src.fill(1))) return;
  const at = src.offset;
  if (src.peek(0) !== VMDESC_MARKER) {
    fail(
      'trailing-bytes',
      `byte ${hex2(src.peek(0) as number)} after the EOF byte (expected the vmdesc, 0x06)`,
      {
        offset: at,
      },
    );
  }
  await src.need(5, ['vmdesc'], 'the vmdesc header');
  src.u8();
  const len = src.u32();
  const max = r.options.vmdescLimits?.maxBytes ?? 64 << 20;
  if (len > max) {
    fail('bound-exceeded', `vmdesc of ${len} bytes (limit ${max})`, {
      offset: at + 1,
      path: ['vmdesc'],
      details: { length: len, max },
    });
  }
  await src.need(len, ['vmdesc'], 'the vmdesc JSON');
  const bytes = src.take(len);
  if (await src.fill(1)) {
    fail('trailing-bytes', 'bytes after the vmdesc', { offset: src.offset });
  }
  const parsed = tryParseVmdesc(bytes, at + 5, r.options.vmdescLimits);
  const text = parsed.text;
  const exact = Buffer.from(text, 'utf8').equals(bytes) ? {} : { bytes };
  if (parsed.problem !== undefined || !parsed.vmdesc) {
    // Damaged, but whole (marker, length and that many bytes): carried as it is. QEMU never
    // reads it; the sections were read without it.
    r.trailerItem = {
      type: 'vmdesc',
      offset: at,
      text,
      vmdesc: { devices: [] } as unknown as Vmdesc,
      ...exact,
      damaged: parsed.problem ?? 'unreadable',
    };
    return;
  }
  // The same text as the trailer read up front: parsed once.
  const vmdesc = r.vmdescText === text && r.vmdesc ? r.vmdesc : parsed.vmdesc;
  const misfits = r.vmdescMismatches;
  r.trailerItem = {
    type: 'vmdesc',
    offset: at,
    text,
    vmdesc,
    ...exact,
    ...(misfits.length === 0
      ? {}
      : {
          damaged: `it does not fit ${misfits.length} section(s), read without it (${misfits.join('; ')})`,
        }),
  };
}
