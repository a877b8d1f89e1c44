import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import {
  decodeFullSection,
  fromVmdescBody,
  isOpenCoded,
  type Vmdesc,
  type VmdescEntry,
} from '../../src/index.js';
import { Reader } from '../../src/wire/index.js';

/**
 * Test helper: cuts a real QEMU file stream into its device sections (raw bytes, header to
 * footer) using the stream's own vmdesc to find where each body ends. Only for tests of the
 * codec; the stream layer has the real reader.
 */
export interface RawSection {
  idstr: string;
  instanceId: number;
  bytes: Uint8Array;
}

export function splitStream(file: string): { sections: RawSection[]; vmdesc: Vmdesc } {
  const data = new Uint8Array(readFileSync(file));
  const r = new Reader(data);
  expect(r.u32()).toBe(0x5145564d);
  expect(r.u32()).toBe(3);
  expect(r.u8()).toBe(0x07);
  r.skip(r.u32());
  // The vmdesc sits at the end: 0x06, be32 length, JSON.
  let vmdesc: Vmdesc | undefined;
  const sections: RawSection[] = [];
  let entries: VmdescEntry[] = [];
  const ramBlocks: string[] = [];
  for (;;) {
    const start = r.pos;
    const type = r.u8();
    if (type === 0x00) break;
    if (type === 0x01 || type === 0x04) {
      r.u32();
      const idstr = r.str8();
      const instanceId = r.u32();
      r.u32();
      if (idstr === 'ram') {
        skipRam(r, type === 0x01, ramBlocks);
        r.skip(5);
        continue;
      }
      // A FULL device section: find its end by decoding with its vmdesc entry.
      if (!vmdesc) {
        const tail = data.length - 1;
        let at = tail;
        // Find the trailer from the end: scan back for 0x06 + length that spans to the end.
        for (at = data.length - 5; at > 0; at--) {
          if (data[at] === 0x06 && new DataView(data.buffer).getUint32(at + 1) === data.length - at - 5)
            break;
        }
        vmdesc = JSON.parse(Buffer.from(data.subarray(at + 5)).toString('utf8')) as Vmdesc;
        entries = [...vmdesc.devices];
      }
      const entry = entries.shift() as VmdescEntry;
      expect(entry.name).toBe(idstr);
      if (isOpenCoded(entry)) {
        // Open-coded (slirp): only its size is known; header (1+4+1+len+4+4), body, footer (5).
        const length = 14 + idstr.length + entry.size + 5;
        sections.push({ idstr, instanceId, bytes: data.slice(start, start + length) });
        r.pos = start + length;
        continue;
      }
      const desc = fromVmdescBody(entry);
      r.pos = start;
      const probe = decodeFullSectionLength(desc, data, start);
      sections.push({ idstr, instanceId, bytes: data.slice(start, start + probe) });
      r.pos = start + probe;
      continue;
    }
    if (type === 0x02 || type === 0x03) {
      r.u32();
      skipRam(r, false, ramBlocks);
      r.skip(5);
      continue;
    }
    throw new Error(`unexpected type ${type} at ${start}`);
  }
  return { sections, vmdesc: vmdesc as Vmdesc };
}

function decodeFullSectionLength(
  desc: ReturnType<typeof fromVmdescBody>,
  data: Uint8Array,
  start: number,
): number {
  // Decode with trailing bytes allowed: the section ends at its footer.
  for (let end = start + 1; end <= data.length; end++) {
    // Fast path: the footer is 0x7e + be32 id; try candidates only there.
    if (data[end - 5] !== 0x7e) continue;
    try {
      decodeFullSection(desc, data.subarray(start, end));
      return end - start;
    } catch {
      /* not this end */
    }
  }
  throw new Error('section end not found');
}

function skipRam(r: Reader, start: boolean, blocks: string[]): void {
  if (start) {
    const total = r.u64() & ~0xfffn;
    let sum = 0n;
    while (sum < total) {
      blocks.push(r.str8());
      sum += r.u64();
    }
  }
  for (;;) {
    const header = r.u64();
    const flags = Number(header & 0xfffn);
    if (flags & 0x10) return;
    if (!(flags & 0x20)) r.str8();
    if (flags & 0x02) r.skip(1);
    else if (flags & 0x08) r.skip(4096);
    else throw new Error(`RAM flag ${flags}`);
  }
}
