import { describe, expect, it } from 'vitest';
import { checkStream, type StreamCheckReport } from '../../src/compat/index.js';
import { MigrationError } from '../../src/errors/index.js';
import { dump, vectorBytes as raw, stream } from './vectors.js';

/**
 * `check STREAM DEST` on real streams and real dumps of QEMU 5.2, 7.2 and 10.0. Every verdict
 * here was confirmed by loading the same stream into the real destination (test/check/stream-qemu
 * repeats the LTIM and prevalent ones live).
 */
const errors = (r: StreamCheckReport) => r.findings.filter((f) => f.severity === 'error');
const warnings = (r: StreamCheckReport) => r.findings.filter((f) => f.severity === 'warning');

describe('check STREAM DEST: the LTIM case', () => {
  it('10.0 LTIM stream → 7.2: refused, naming i8259/ltim, QEMU’s rule and ltim = 0x08', async () => {
    const r = await checkStream(stream('10.0', 'ltim-pc-i440fx-7.2.mig'), dump('7.2', 'pc-i440fx-7.2'));
    expect(r.verdict).toBe('refused');
    const [e, ...rest] = errors(r);
    expect(rest).toEqual([]);
    expect(e?.code).toBe('unknown-subsection');
    expect(e?.path).toEqual(['i8259', 'i8259/ltim']);
    expect(e?.message).toContain('i8259/ltim is sent because ltim = 0x08');
    expect(e?.rule).toMatch(/^vmstate_subsection_load: unknown subsection .* -ENOENT$/);
    expect(e?.details).toMatchObject({ instance: 0, values: { ltim: '0x08' } });
  });

  it('10.0 LTIM stream → 5.2 (pc-i440fx-5.2): refused the same way; → 10.0: loads', async () => {
    const bytes = stream('10.0', 'ltim-pc-i440fx-5.2.mig');
    const old = await checkStream(bytes, dump('5.2', 'pc-i440fx-5.2'));
    expect(old.verdict).toBe('refused');
    expect(errors(old).map((f) => f.path.join('/'))).toEqual(['i8259/i8259/ltim']);
    expect((await checkStream(bytes, dump('10.0', 'pc-i440fx-5.2'))).verdict).toBe('loads');
  });

  it('10.0 prevalent streams → 7.2 (i440fx and q35): loads, no error and no change', async () => {
    for (const m of ['pc-i440fx-7.2', 'pc-q35-7.2']) {
      const r = await checkStream(stream('10.0', `prevalent-${m}.mig`), dump('7.2', m));
      expect(r.verdict, m).toBe('loads');
      expect(errors(r)).toEqual([]);
      expect(warnings(r)).toEqual([]);
      expect(r.checked).toBeGreaterThan(15);
    }
  });

  it('5.2 streams load into 5.2, 7.2 and 10.0 (forward); the 7.2 q35-5.2 stream into 5.2 (backward)', async () => {
    for (const name of ['prevalent-pc-i440fx-5.2.mig', 'ltim-pc-i440fx-5.2.mig']) {
      for (const to of ['5.2', '7.2', '10.0']) {
        const r = await checkStream(stream('5.2', name), dump(to, 'pc-i440fx-5.2'));
        expect(errors(r), `${name} → ${to}`).toEqual([]);
      }
    }
    const back = await checkStream(stream('7.2', 'prevalent-pc-q35-5.2.mig'), dump('5.2', 'pc-q35-5.2'));
    expect(back.verdict).toBe('loads');
  });
});

describe('check STREAM DEST: false refusals found against real QEMU (regressions)', () => {
  it('a stream loads into its own version (vmdesc arrays without index, cur_offset[1], count-0 arrays)', async () => {
    for (const [file, machine] of [
      ['i440fx-7.2.mig', 'pc-i440fx-7.2'],
      ['q35-7.2.mig', 'pc-q35-7.2'],
    ] as const) {
      const r = await checkStream(raw('7.2', file), dump('7.2', machine));
      expect(errors(r), file).toEqual([]);
      expect(r.verdict).toBe('loads');
    }
  });

  it('10.0 e1000e → 7.2 loads: 7.2’s dump has no num for eitr_*; the counts come from the sender', async () => {
    const r = await checkStream(stream('10.0', 'e1000e-pc-i440fx-7.2.mig'), dump('7.2', 'pc-i440fx-7.2'));
    expect(r.verdict).toBe('loads');
    const counts = r.findings.find(
      (f) => f.code === 'count-from-sender' && f.path[0] === '0000:00:02.0/e1000e',
    );
    expect(counts?.details).toMatchObject({
      counts: { 'core.eitr_intr_pending': 5, 'core.eitr_guest_value': 5 },
    });
  });
});

describe('check STREAM DEST: esp across versions (confirmed with real QEMU)', () => {
  it('7.2 am53c974 → 10.0: refused, 10.0 reads drq_state past the section ("Missing section footer")', async () => {
    // A false "loads" found against QEMU: 10.0's conditional fields must not be dropped to make
    // the bytes fit; only fields the sender wrote under another name may be turned on.
    const r = await checkStream(stream('7.2', 'am53c974-pc-i440fx-7.2.mig'), dump('10.0', 'pc-i440fx-7.2'));
    expect(r.verdict).toBe('refused');
    const [e] = errors(r);
    expect(e?.code).toBe('layout-misread');
    expect(e?.path).toEqual(['0000:00:02.0/pciespscsi']);
    expect(e?.rule).toContain('Missing section footer');
  });

  it('7.2 am53c974 on pc-i440fx-5.2 → 5.2: refused, section version 2 > 1 as QEMU says it', async () => {
    const r = await checkStream(stream('7.2', 'am53c974-pc-i440fx-5.2.mig'), dump('5.2', 'pc-i440fx-5.2'));
    expect(r.verdict).toBe('refused');
    expect(errors(r)[0]?.message).toContain("savevm: unsupported version 2 for '0000:00:02.0/pciespscsi' v1");
    expect(
      (await checkStream(stream('7.2', 'am53c974-pc-i440fx-5.2.mig'), dump('7.2', 'pc-i440fx-5.2'))).verdict,
    ).toBe('loads');
  });
});

describe('check STREAM DEST: configuration section and machine type, as QEMU states them', () => {
  it('a 7.2 stream into machine type pc-i440fx-2.3: refused, "Unknown savevm section type 7"', async () => {
    const r = await checkStream(raw('7.2', 'pc-paused.mig'), dump('7.2', 'pc-i440fx-2.3'));
    expect(r.verdict).toBe('refused');
    const codes = errors(r).map((f) => f.code);
    expect(codes).toContain('configuration-unexpected');
    expect(errors(r)[0]?.message).toContain('Unknown savevm section type 7');
  });

  it('a pc-i440fx-2.3 stream (no configuration, no footers) into pc-i440fx-7.2: refused', async () => {
    const r = await checkStream(raw('7.2', 'i440fx-2.3.mig'), dump('7.2', 'pc-i440fx-7.2'));
    expect(r.verdict).toBe('refused');
    expect(errors(r).map((f) => f.code)).toEqual(
      expect.arrayContaining(['configuration-missing', 'footer-mismatch']),
    );
    expect(r.findings.find((f) => f.code === 'configuration-missing')?.message).toContain(
      'Configuration section missing',
    );
  });

  it('a q35 stream against an i440fx dump: refused with QEMU’s own words', async () => {
    const r = await checkStream(raw('7.2', 'q35-7.2.mig'), dump('7.2', 'pc-i440fx-7.2'));
    expect(r.verdict).toBe('refused');
    expect(errors(r)[0]?.message).toBe("Machine type received is 'pc-q35-7.2' and local is 'pc-i440fx-7.2'");
  });

  it('a malformed stream is a MigrationError naming the offset, not a verdict', async () => {
    const bytes = raw('7.2', 'i440fx-7.2.mig').slice(0, 300_000);
    await expect(checkStream(bytes, dump('7.2', 'pc-i440fx-7.2'))).rejects.toBeInstanceOf(MigrationError);
  });
});

describe('check STREAM DEST: loads, with changes (issue 17)', () => {
  it('am53c974 10.0 → 7.2: loads; lun → ti_cmd, drq_state → lun, esp 7 > 6, all values zero', async () => {
    const r = await checkStream(stream('10.0', 'am53c974-pc-i440fx-7.2.mig'), dump('7.2', 'pc-i440fx-7.2'));
    expect(r.verdict).toBe('loads');
    const w = warnings(r);
    const text = w.map((f) => f.message);
    expect(text.some((t) => t.startsWith('esp.lun → esp.ti_cmd'))).toBe(true);
    expect(text.some((t) => t.startsWith('esp.drq_state → esp.lun'))).toBe(true);
    const nested = w.find((f) => f.code === 'nested-version');
    expect(nested?.details).toEqual({ sender: 7, destination: 6 });
    for (const f of w.filter((x) => x.code === 'read-as-other-field')) {
      expect(f.details).toMatchObject({ value: '0x00', harmless: true });
      expect(f.message).toContain('nothing changes for this stream');
    }
  });

  it('esp-busy 10.0 → 7.2: loads, and says what really changes: ti_cmd becomes 0x01, lun 0x01 → 0x00', async () => {
    // The lab's round trip (7.2 saving again after the load) shows exactly this: lun 1 → 0.
    const r = await checkStream(stream('10.0', 'esp-busy-pc-i440fx-7.2.mig'), dump('7.2', 'pc-i440fx-7.2'));
    expect(r.verdict).toBe('loads');
    const reads = warnings(r).filter((f) => f.code === 'read-as-other-field');
    expect(reads.map((f) => f.details)).toEqual([
      { sender: 'esp.lun', destination: 'esp.ti_cmd', value: '0x01', harmless: false },
      { sender: 'esp.drq_state', destination: 'esp.lun', value: '0x00', senderOwn: '0x01', harmless: false },
    ]);
    expect(reads[1]?.message).toContain('esp.lun changes from 0x01 to 0x00');
    const text = warnings(r).map((f) => f.message);
    // data_ready ↔ data_in_ready is a pure rename: no warning for it.
    expect(text.some((t) => t.includes('data_ready'))).toBe(false);
  });
});
