import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodeFullSection,
  defineMachines,
  encodeFullSection,
  field,
  struct,
  toDumpVmstate,
  uint8,
  uint32,
  vmsd,
} from '../../src/index.js';
import { splitStream } from './split-stream.js';

/**
 * QEMU 7.2's i8042 keyboard controller written in the DSL, with both prevalent-value patterns it
 * uses: `pckbd_outport` (derived default + presence flag) and `pckbd/extended_state` (tied to the
 * machine type by hw_compat_6_0 `i8042.extended-state=false`).
 */
const machines = defineMachines({
  defaults: { 'i8042.extended-state': true },
  types: [
    { name: 'pc-i440fx-7.2' },
    { name: 'pc-i440fx-7.1' },
    { name: 'pc-i440fx-7.0' },
    { name: 'pc-i440fx-6.2' },
    { name: 'pc-i440fx-6.1' },
    { name: 'pc-i440fx-6.0', compat: { 'i8042.extended-state': false } },
    { name: 'pc-i440fx-5.2' },
  ],
});

const KBD_STAT_OBF = 0x01;
const KBD_STAT_MOUSE_OBF = 0x20;
/** The frozen derivation: what the output port is when nothing says otherwise. */
const outportDefault = (status: number) =>
  0x01 | 0x02 | (status & KBD_STAT_OBF ? 0x10 : 0) | (status & KBD_STAT_MOUSE_OBF ? 0x20 : 0);

const outportReceived = new WeakSet<object>();

const kbd = vmsd('pckbd', {
  version: 3,
  minimumVersion: 3,
  fields: [
    field('write_cmd', uint8),
    field('status', uint8),
    field('mode', uint8),
    field('pending_tmp', uint8),
  ],
  subsections: (sub) => [
    sub('pckbd_outport', {
      version: 1,
      minimumVersion: 1,
      fields: [field('outport', uint8)],
      needed: (s) => s.outport !== outportDefault(s.status),
      postLoad: (s) => {
        outportReceived.add(s);
      },
    }),
    sub('pckbd/extended_state', {
      fields: [
        field('migration_flags', uint32),
        field('obsrc', uint32),
        field('obdata', uint8),
        field('cbdata', uint8),
      ],
      dependsOn: ['i8042.extended-state'],
      needed: (_s, ctx) => ctx.props['i8042.extended-state'] === true,
    }),
  ],
  postLoad: (s) => {
    if (!outportReceived.delete(s)) s.outport = outportDefault(s.status);
  },
});
const pckbd = vmsd('pckbd', { version: 3, minimumVersion: 3, fields: [field('kbd', struct(kbd))] });

const section = (() => {
  const { sections } = splitStream('test/vectors/qemu-7.2/pc-paused.mig');
  return sections.find((s) => s.idstr === 'pckbd')?.bytes as Uint8Array;
})();

describe('i8042 (pckbd) described in TypeScript', () => {
  const ctx72 = machines.context('pc-i440fx-7.2');

  it('loads QEMU 7.2’s real section, reconstructs the absent outport, and saves the same bytes', () => {
    const decoded = decodeFullSection(pckbd, section, { ctx: ctx72 });
    expect(decoded.state.kbd).toEqual({
      write_cmd: 0,
      status: 0x18,
      mode: 0x03,
      pending_tmp: 0,
      outport: 0x03,
      migration_flags: 0,
      obsrc: 0,
      obdata: 0,
      cbdata: 0,
    });
    expect(
      Buffer.from(encodeFullSection(pckbd, decoded.state, decoded, { ctx: ctx72 })).equals(
        Buffer.from(section),
      ),
    ).toBe(true);
  });

  it('on pc-i440fx-6.0 and older the extended state is not sent (hw_compat_6_0), on 6.1 it is', () => {
    const { state } = decodeFullSection(pckbd, section, { ctx: ctx72 });
    const id = { sectionId: 28, idstr: 'pckbd', instanceId: 0 };
    const on61 = encodeFullSection(pckbd, state, id, { ctx: machines.context('pc-i440fx-6.1') });
    const on60 = encodeFullSection(pckbd, state, id, { ctx: machines.context('pc-i440fx-6.0') });
    const on52 = encodeFullSection(pckbd, state, id, { ctx: machines.context('pc-i440fx-5.2') });
    expect(on61.length).toBe(section.length);
    expect(on60.length).toBe(section.length - (1 + 1 + 20 + 4 + 10));
    expect(on52).toEqual(on60);
  });

  it('a non-default outport travels in its subsection and survives', () => {
    const { state } = decodeFullSection(pckbd, section, { ctx: ctx72 });
    const changed = { kbd: { ...state.kbd, outport: 0xcf } };
    const bytes = encodeFullSection(
      pckbd,
      changed,
      { sectionId: 1, idstr: 'pckbd', instanceId: 0 },
      { ctx: ctx72 },
    );
    expect(Buffer.from(bytes).includes(Buffer.from('pckbd_outport'))).toBe(true);
    expect(decodeFullSection(pckbd, bytes, { ctx: ctx72 }).state.kbd.outport).toBe(0xcf);
  });

  it('prints the same -dump-vmstate description as QEMU (but the host-dependent struct size)', () => {
    const dump = JSON.parse(readFileSync('test/vectors/qemu-7.2/dump-pc-i440fx-7.2.json', 'utf8')) as Record<
      string,
      { Description: { Fields: { size: number }[] } }
    >;
    const qemu = structuredClone(dump.i8042?.Description) as { Fields: { size: number }[] };
    const ours = toDumpVmstate(pckbd) as unknown as { Fields: { size: number }[] };
    expect(ours.Fields[0]?.size).toBe(4);
    (qemu.Fields[0] as { size: number }).size = 4; // QEMU reports sizeof(KBDState), 2328 on x86_64
    expect(ours).toEqual(qemu);
  });
});
