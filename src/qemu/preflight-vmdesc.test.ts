import { describe, expect, it } from 'vitest';
import { dump, stream } from '../../test/check/vectors.js';
import type { VmdescBody } from '../codec/index.js';
import type { CheckDescription } from '../compat/index.js';
import { readStream } from '../stream/index.js';
import type { Vmdesc } from '../stream/read/vmdesc.js';
import { hintedSet } from './preflight-hints.js';
import { sectionBody } from './preflight-vmdesc.js';

async function vmdescOf(bytes: Uint8Array): Promise<Vmdesc> {
  for await (const item of readStream(bytes)) if (item.type === 'vmdesc') return item.vmdesc;
  throw new Error('no vmdesc');
}

/** What a checker reads from a vmdesc: each leaf's name and size × count in order, and the subsections. */
function layout(body: VmdescBody): string[] {
  const out: string[] = [];
  for (const f of body.fields) {
    if (f.type === 'struct' && f.struct !== undefined && 'fields' in f.struct) {
      for (let i = 0; i < (f.array_len ?? 1); i++) out.push(...layout(f.struct));
    } else out.push(`${f.name}:${f.size * (f.array_len ?? 1)}`);
  }
  for (const s of body.subsections ?? []) out.push(`[${s.vmsd_name}]`, ...layout(s));
  return out;
}

describe('sender layouts from the source dump', () => {
  it('match the vmdesc QEMU 10.0 itself wrote, section by section (real streams and dump)', async () => {
    const bytes = stream('10.0', 'ltim-pc-i440fx-7.2.mig');
    // Hints from another VM of the same QEMU and machine type (the prevalent guest), never this one.
    const template = await vmdescOf(stream('10.0', 'prevalent-pc-i440fx-7.2.mig'));
    const source = hintedSet(dump('10.0', 'pc-i440fx-7.2'), template);
    const byName = new Map<string, CheckDescription>();
    for (const s of source.sections.values()) byName.set(s.description.name, s.description);
    const described: string[] = [];
    let header: { idstr: string; version: number } | undefined;
    for await (const item of readStream(bytes)) {
      if (item.type === 'section') header = item.kind === 'full' ? item : undefined;
      if (
        item.type !== 'device' ||
        header === undefined ||
        item.vmdesc === undefined ||
        !('vmsd_name' in item.vmdesc)
      )
        continue;
      const desc = byName.get(header.idstr.slice(header.idstr.lastIndexOf('/') + 1));
      const start = item.offset ?? 0;
      const body = desc && sectionBody(desc, header.version, bytes, start, start + (item.body?.length ?? 0));
      if (body === undefined) continue;
      // QEMU describes an array of structs with differing subsections element by element: compare leaves.
      const real = item.vmdesc as VmdescBody;
      expect(layout(body).join(' '), header.idstr).toBe(layout(real).join(' '));
      described.push(header.idstr);
    }
    for (const idstr of ['i8259', 'dma', 'hpet', 'fdc', '0000:00:01.0/PIIX3', '0000:00:01.3/piix4_pm']) {
      expect(described).toContain(idstr);
    }
  });
});
