import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buffer,
  decodeFullSection,
  encodeFullSection,
  encodeFullSectionDescribed,
  fieldFromParts,
  fromVmdescBody,
  isOpenCoded,
  MigrationError,
  type VmdescEntry,
  vmsdFromParts,
} from '../../src/index.js';
import { type RawSection, splitStream } from './split-stream.js';

/**
 * Every device section of real QEMU 7.2 streams: build the description from the stream's own
 * vmdesc, load the section's bytes, save them back: byte-identical, and the regenerated vmdesc
 * entry equals QEMU's. The walk below only finds section boundaries (RAM records are skipped by
 * their flags); decoding is the codec's.
 */

for (const name of ['pc-paused.mig', 'i440fx-7.2.mig', 'q35-7.2.mig', 'i440fx-7.2-slirp.mig']) {
  describe(`every device section of ${name}`, () => {
    const { sections, vmdesc } = splitStream(`test/vectors/qemu-7.2/${name}`);
    it('has one section per vmdesc device', () => {
      expect(sections.length).toBe(vmdesc.devices.length);
    });
    sections.forEach((section, i) => {
      const entry = vmdesc.devices[i] as VmdescEntry;
      it(`${section.idstr} (${section.instanceId}) loads and saves back byte-identically, with the same vmdesc`, () => {
        if (isOpenCoded(entry)) {
          const desc = vmsdFromParts(entry.name, {
            version: 4,
            minimumVersion: 0,
            fields: [fieldFromParts({ name: 'data', key: 'data', type: buffer(entry.size) })],
            subsections: [],
          });
          const decoded = decodeFullSection(desc, section.bytes);
          expect(
            Buffer.from(encodeFullSection(desc, decoded.state, decoded)).equals(Buffer.from(section.bytes)),
          ).toBe(true);
          return;
        }
        const desc = fromVmdescBody(entry);
        const decoded = decodeFullSection(desc, section.bytes);
        const again = encodeFullSectionDescribed(desc, decoded.state, decoded);
        expect(Buffer.from(again.bytes).equals(Buffer.from(section.bytes))).toBe(true);
        // Same keys in the same order: a stream writer can emit QEMU's vmdesc text exactly.
        expect(JSON.stringify(again.vmdesc)).toBe(JSON.stringify(entry));
      });
    });
  });
}

describe('hostile input against real device descriptions', () => {
  const { sections, vmdesc } = splitStream('test/vectors/qemu-7.2/pc-paused.mig');
  const pick = ['fdc', 'cpu', 'hpet', '0000:00:01.3/piix4_pm', 'mc146818rtc'];
  for (const name of pick) {
    const i = sections.findIndex((s) => s.idstr === name);
    it(`${name}: truncation at every offset and random byte flips give MigrationError or a load, nothing else`, () => {
      const section = sections[i] as RawSection;
      const desc = fromVmdescBody(vmdesc.devices[i] as never);
      for (let cut = 0; cut < section.bytes.length; cut++) {
        expect(() => decodeFullSection(desc, section.bytes.subarray(0, cut))).toThrow(MigrationError);
      }
      fc.assert(
        fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, mask) => {
          const bad = section.bytes.slice();
          const j = at % bad.length;
          bad[j] = (bad[j] as number) ^ mask;
          try {
            decodeFullSection(desc, bad);
          } catch (e) {
            expect(e).toBeInstanceOf(MigrationError);
          }
        }),
        { numRuns: 300 },
      );
    });
  }
});
