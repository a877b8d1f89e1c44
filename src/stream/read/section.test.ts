import { describe, expect, it } from 'vitest';
import { load, save } from '../../codec/index.js';
import { array, field, uint8, uint16, uint32, uint64, vmsd } from '../../describe/index.js';
import { MigrationError } from '../../errors/index.js';
import { decodeFullSection, encodeFullSection, encodeFullSectionDescribed } from './section.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// The made-up device of spec §15.
const mydev = vmsd('mydev', {
  version: 2,
  minimumVersion: 1,
  fields: [
    field('ctrl', uint8),
    field('count', uint16),
    field('base', uint32, { since: 2 }),
    field('regs', array(uint16, 2)),
  ],
  subsections: (sub) => [
    sub('mydev/extra', { version: 1, fields: [field('ts', uint64)], needed: (s) => s.ts !== 0n }),
  ],
});
const id = { sectionId: 5, idstr: 'mydev', instanceId: 0 };
const state = { ctrl: 0x12, count: 256, base: 0xdeadbeef, regs: [1, 2], ts: 12345n };
const worked = hex(`04 00000005 05 6d79646576 00000000 00000002 12 0100 deadbeef 0001 0002
  05 0b 6d796465762f6578747261 00000001 0000000000003039 7e 00000005`);

describe('spec §15 worked example', () => {
  it('encodes the section byte for byte (60 bytes)', () => {
    const bytes = encodeFullSection(mydev, state, id);
    expect(bytes.length).toBe(60);
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(worked).toString('hex'));
  });

  it('decodes it back', () => {
    const decoded = decodeFullSection(mydev, worked);
    expect(decoded).toMatchObject({ sectionId: 5, idstr: 'mydev', instanceId: 0, version: 2, state });
  });

  it('omits the subsection when ts = 0 and the footer follows regs directly', () => {
    const bytes = encodeFullSection(mydev, { ...state, ts: 0n }, id);
    expect(Buffer.from(bytes).toString('hex')).toBe(
      '0400000005056d796465760000000000000002120100deadbeef000100027e00000005',
    );
  });

  it('writes the vmdesc entry of the spec', () => {
    const { vmdesc } = encodeFullSectionDescribed(mydev, state, id);
    expect(vmdesc).toEqual({
      name: 'mydev',
      instance_id: 0,
      vmsd_name: 'mydev',
      version: 2,
      fields: [
        { name: 'ctrl', type: 'uint8', size: 1 },
        { name: 'count', type: 'uint16', size: 2 },
        { name: 'base', type: 'uint32', size: 4 },
        { name: 'regs', array_len: 2, type: 'uint16', size: 2 },
      ],
      subsections: [
        { vmsd_name: 'mydev/extra', version: 1, fields: [{ name: 'ts', type: 'uint64', size: 8 }] },
      ],
    });
    expect(JSON.stringify(vmdesc, null, 1).replace(/\n\s*/g, ' ')).toContain(
      '"name": "regs", "array_len": 2, "type": "uint16", "size": 2',
    );
  });

  it('an older receiver without mydev/extra refuses, naming the subsection and offset', () => {
    const old = vmsd('mydev', {
      version: 2,
      minimumVersion: 1,
      fields: [
        field('ctrl', uint8),
        field('count', uint16),
        field('base', uint32, { since: 2 }),
        field('regs', array(uint16, 2)),
      ],
    });
    const err = (() => {
      try {
        decodeFullSection(old, worked);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(MigrationError);
    const issue = (err as MigrationError).issues[0];
    expect(issue).toMatchObject({
      code: 'unknown-subsection',
      offset: 30,
      path: ['mydev (0)', 'mydev', 'mydev/extra'],
    });
  });

  it('a version-1 stream has no base; a version-2 receiver accepts it and keeps its default', () => {
    const v1 = hex('12 0100 0001 0002');
    expect(load(mydev, v1, { version: 1 })).toEqual({
      ctrl: 0x12,
      count: 256,
      base: 0,
      regs: [1, 2],
      ts: 0n,
    });
    expect(save(mydev, state).length).toBe(11 + 25); // field bytes + subsection bytes
  });
});
