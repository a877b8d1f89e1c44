import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkVersionsHonesty } from '../compat/lab/index.js';
import {
  decodeFullSection,
  encodeFullSection,
  encodeFullSectionDescribed,
  MigrationError,
  type Vmdesc,
} from '../index.js';
import { Msr, Phase, Port } from './constants.js';
import { Fdc, type FdcHost } from './controller.js';
import { type FdcSectionState, fdcSection, type Policy } from './description.js';
import { powerOnDma, RAM_SIZE } from './dma.js';
import { RUNTIMES } from './runtime.js';
import { machines, versions } from './versions.js';

const STREAM = 'test/vectors/qemu-7.2/pc-paused.mig';

/**
 * The fdc FULL section of the real QEMU 7.2 stream: found by its header (`04`, section id,
 * `03 "fdc"`, instance 0, version 2) and cut to the length the stream's own vmdesc gives.
 */
function fixtureSection(): { bytes: Uint8Array; sectionId: number; vmdesc: unknown } {
  const data = new Uint8Array(readFileSync(STREAM));
  const desc = JSON.parse(readFileSync(`${STREAM}.desc.json`, 'utf8')) as Vmdesc;
  const entry = desc.devices.find((d) => d.name === 'fdc') as { size?: number; fields: { size: number }[] };
  const body = entry.fields.reduce((n, f) => n + f.size, 0);
  const header = [0x03, 0x66, 0x64, 0x63, 0, 0, 0, 0, 0, 0, 0, 2];
  const found: number[] = [];
  for (let i = 0; i + 5 + header.length < data.length; i++) {
    if (data[i] !== 0x04) continue;
    if (header.every((b, j) => data[i + 5 + j] === b)) found.push(i);
  }
  expect(found).toHaveLength(1);
  const start = found[0] as number;
  const sectionId = new DataView(data.buffer, data.byteOffset).getUint32(start + 1);
  const length = 17 + body + 5;
  // The footer closes it: 0x7e and the same section id.
  expect(data[start + length - 5]).toBe(0x7e);
  return { bytes: data.slice(start, start + length), sectionId, vmdesc: entry };
}

function noDrives(): FdcHost {
  return {
    now: 0,
    setIrq: () => {},
    dma: powerOnDma(),
    ram: new Uint8Array(RAM_SIZE),
    disks: [null, null],
  };
}

describe('the fdc section of a real QEMU 7.2 stream', () => {
  const fixture = fixtureSection();
  const state = JSON.parse(readFileSync(`${STREAM}.state.json`, 'utf8')) as Record<
    string,
    { state: Record<string, unknown> }
  >;
  const expected = state[`fdc (${fixture.sectionId})`]?.state as Record<string, string>;
  // The fixture VM has no floppy drives (-nodefaults): no drive reports a media change.
  const section = fdcSection('v2a', { attached: false });
  const ctx = machines.context('pc-2.4');

  it('loads into the controller model with the values QEMU decoded', () => {
    const host = noDrives();
    const fresh = new Fdc(RUNTIMES.v2, host);
    const loaded = decodeFullSection(section, fixture.bytes, { ctx, into: fresh.section });
    const s = loaded.state.state;
    for (const key of [
      'sra',
      'srb',
      'dor_vmstate',
      'tdr',
      'dsr',
      'msr',
      'status0',
      'config',
      'lock',
    ] as const) {
      expect(s[key], key).toBe(Number(expected[key]));
    }
    expect(s.data_pos).toBe(Number(expected.data_pos));
    expect(s.data_len).toBe(Number(expected.data_len));
    expect(s.fifo).toHaveLength(512);
    expect(s.drives.map((d) => d.media_rate)).toEqual([0, 0]);
    expect(s.result_timer).toBe(-1n);
    // No fdc/phase in the stream: the receiver inferred it from MSR 0x80.
    expect(s.phase).toBe(Phase.COMMAND);
    const fdc = new Fdc(RUNTIMES.v2, host, loaded.state as FdcSectionState);
    expect(fdc.read(Port.MSR)).toBe(Msr.RQM);
    expect(fdc.read(Port.DOR)).toBe(0x0c);
    expect(fdc.read(Port.SRA)).toBe(0x40);
  });

  it('saves back byte for byte, with the same vmdesc QEMU wrote', () => {
    const { state: loaded, ...id } = decodeFullSection(section, fixture.bytes, { ctx });
    expect(
      Buffer.from(encodeFullSection(section, loaded, id, { ctx })).equals(Buffer.from(fixture.bytes)),
    ).toBe(true);
    const { vmdesc } = encodeFullSectionDescribed(section, loaded, id, { ctx });
    expect(vmdesc).toEqual(fixture.vmdesc);
  });

  it('is the same bytes for every release and machine type, but v2b and v2c on pc-2.4 (+16 bytes of fdc/phase)', () => {
    const { state: loaded, ...id } = decodeFullSection(section, fixture.bytes, { ctx });
    for (const policy of ['v1', 'v2a', 'v2b', 'v2c'] as Policy[]) {
      const d = fdcSection(policy, { attached: false });
      for (const machine of machines.names) {
        const bytes = encodeFullSection(d, loaded, id, { ctx: machines.context(machine) });
        const always = policy !== 'v1' && policy !== 'v2a' && machine === 'pc-2.4';
        expect(bytes.length, `${policy} ${machine}`).toBe(fixture.bytes.length + (always ? 16 : 0));
      }
    }
    const withPhase = encodeFullSection(fdcSection('v2b', { attached: false }), loaded, id, {
      ctx: machines.context('pc-2.4'),
    });
    // 05, name length 9, "fdc/phase", version 1, the phase (1 = COMMAND), before the footer.
    const sub = Buffer.from(withPhase.subarray(withPhase.length - 5 - 16, withPhase.length - 5));
    expect(sub.toString('hex')).toBe(
      `05 09 ${Buffer.from('fdc/phase').toString('hex')} 00000001 01`.replace(/ /g, ''),
    );
  });
});

describe('fdc/phase per release', () => {
  const decodeState = () => {
    const fdc = new Fdc(RUNTIMES.v2, noDrives());
    // Caught right after an opcode byte: RQM low while it is decoded, still the command phase.
    fdc.s.msr = Msr.CMDBUSY;
    fdc.s.phase = Phase.COMMAND;
    fdc.s.result_timer = 1_500n;
    return fdc.section;
  };
  const id = { sectionId: 1, idstr: 'fdc', instanceId: 0 };
  const sent = (policy: Policy, machine: string, state: FdcSectionState) =>
    Buffer.from(
      encodeFullSection(fdcSection(policy), state, id, { ctx: machines.context(machine) }),
    ).includes(Buffer.from('fdc/phase'));

  it('is sent by v2a and v2c (pc-2.3) only when the phase is not what the MSR suggests', () => {
    const idle = new Fdc(RUNTIMES.v2, noDrives()).section;
    for (const policy of ['v2a', 'v2c'] as const) {
      expect(sent(policy, 'pc-2.3', idle)).toBe(false);
      expect(sent(policy, 'pc-2.3', decodeState())).toBe(true);
    }
    expect(sent('v2a', 'pc-2.4', idle)).toBe(false);
  });

  it('is sent by v2b and v2c always on pc-2.4, by v2b never on pc-2.3, by v1 never', () => {
    const idle = new Fdc(RUNTIMES.v2, noDrives()).section;
    expect(sent('v2b', 'pc-2.4', idle)).toBe(true);
    expect(sent('v2c', 'pc-2.4', idle)).toBe(true);
    expect(sent('v2b', 'pc-2.3', decodeState())).toBe(false);
    expect(sent('v1', 'pc-2.3', decodeState())).toBe(false);
  });

  it('an absent phase is inferred from the MSR; a sent one is kept; v1 refuses it', () => {
    const ctx = machines.context('pc-2.3');
    const bytesA = encodeFullSection(fdcSection('v2a'), decodeState(), id, { ctx });
    const bytesB = encodeFullSection(fdcSection('v2b'), decodeState(), id, { ctx });
    expect(decodeFullSection(fdcSection('v2a'), bytesA, { ctx }).state.state.phase).toBe(Phase.COMMAND);
    expect(decodeFullSection(fdcSection('v2a'), bytesB, { ctx }).state.state.phase).toBe(Phase.EXECUTION);
    expect(
      (decodeFullSection(fdcSection('v1'), bytesB, { ctx }).state.state as { phase?: number }).phase,
    ).toBe(Phase.EXECUTION);
    try {
      decodeFullSection(fdcSection('v1'), bytesA, { ctx });
      expect.unreachable('v1 must refuse fdc/phase');
    } catch (e) {
      expect(e).toBeInstanceOf(MigrationError);
      expect((e as MigrationError).code).toBe('unknown-subsection');
    }
  });

  it('a sent phase must be a real one (0 means "infer it"): neither side accepts 0', () => {
    const ctx = machines.context('pc-2.4');
    const s = decodeState();
    s.state.phase = 0;
    expect(() => encodeFullSection(fdcSection('v2b'), s, id, { ctx })).toThrow(MigrationError);
    const good = encodeFullSection(fdcSection('v2b'), decodeState(), id, { ctx });
    const bad = good.slice();
    bad[bad.length - 6] = 0;
    try {
      decodeFullSection(fdcSection('v2b'), bad, { ctx });
      expect.unreachable('phase 0 must be refused');
    } catch (e) {
      expect((e as MigrationError).code).toBe('validation-failed');
    }
  });

  it('every needed() of the four releases is honest, except (b)’s machine gate on pc-2.3 (the compatibility lab)', () => {
    const findings = checkVersionsHonesty(versions, { runs: 30, seed: 3 });
    expect(findings.length).toBeGreaterThan(0);
    // (b) drops the phase on the old machine type by design: the receiver infers another one.
    expect(
      findings.filter((f) => f.dishonest > 0).map((f) => [f.subsection.join(' › '), f.machine, f.versions]),
    ).toEqual([['fdc/phase', 'pc-2.3', ['v2b']]]);
    const honest = findings.filter((f) => f.subsection.includes('fdc/phase') && f.dishonest === 0);
    expect(honest.map((f) => `${f.versions.join(',')}@${f.machine}`).sort()).toEqual([
      'v2a@pc-2.3',
      'v2a@pc-2.4',
      'v2b@pc-2.4',
      'v2c@pc-2.3',
      'v2c@pc-2.4',
    ]);
  });
});
