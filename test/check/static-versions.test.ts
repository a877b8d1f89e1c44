import { describe, expect, it } from 'vitest';
import { type CheckReport, checkCompatibility } from '../../src/compat/index.js';
import { dump } from './vectors.js';

/**
 * Static `check` of real dumps of different QEMU versions. Every error that a real migration
 * disproved is gone (each a regression below); the errors that remain for devices a pc/q35 cell
 * can run are backed by real refusals (test/check/stream-qemu.test.ts).
 */
const errors = (r: CheckReport) =>
  r.findings.filter((f) => f.severity === 'error').map((f) => `${f.direction} ${f.path.join('/')}`);

describe('static check across QEMU versions (real dumps)', () => {
  const pc72 = checkCompatibility(dump('10.0', 'pc-i440fx-7.2'), dump('7.2', 'pc-i440fx-7.2'));

  it('10.0 vs 7.2: no error for e1000e (7.2 omits num; unused ↔ *_intr_pending) nor hpet (rename)', () => {
    expect(errors(pc72).filter((e) => /e1000e|hpet/.test(e))).toEqual([]);
    const counts = pc72.findings.filter((f) => f.code === 'count-from-sender' && f.path[0] === 'e1000e');
    expect(counts.map((f) => f.details)).toContainEqual({ field: 'core.eitr_intr_pending', count: 5 });
    const rename = pc72.findings.find((f) => f.code === 'field-renamed' && f.path[0] === 'hpet');
    expect(rename?.details).toEqual({ source: 'num_timers_save', destination: 'num_timers' });
  });

  it('10.0 vs 7.2: device types renamed or absent from a dump are not errors (piix3-ide, pci-piix3)', () => {
    expect(errors(pc72).filter((e) => /piix|ide|serial-mm|sysbus-ahci/.test(e))).toEqual([]);
    const ide = pc72.findings.find((f) => f.path[0] === 'piix3-ide' && f.code === 'unknown-section');
    expect(ide?.severity).toBe('warning');
  });

  it('10.0 vs 7.2: esp forward is a warning (10.0 → 7.2 loads), backward an error (7.2 → 10.0 is refused)', () => {
    const esp = pc72.findings.filter((f) => f.path[0] === 'am53c974' && f.path.includes('drq_state'));
    expect(esp.map((f) => [f.direction, f.severity])).toEqual([
      ['forward', 'warning'],
      ['backward', 'error'],
    ]);
  });

  it('10.0 vs 7.2: the i8259/ltim error stays (the LTIM guest is refused by 7.2)', () => {
    expect(errors(pc72)).toContain('forward isa-i8259/i8259/i8259/ltim');
  });

  it('7.2 vs 5.2 (q35-5.2): pckbd/extended_state and ich9_pm/pcihp are never sent under 5.2 machine types', () => {
    const r = checkCompatibility(dump('7.2', 'pc-q35-5.2'), dump('5.2', 'pc-q35-5.2'));
    expect(errors(r).filter((e) => /extended_state|pcihp/.test(e))).toEqual([]);
    const gated = r.findings.filter(
      (f) => f.direction === 'forward' && /extended_state|pcihp/.test(String(f.path[f.path.length - 1])),
    );
    expect(gated.map((f) => [f.code, f.severity])).toEqual([
      ['unknown-subsection', 'info'],
      ['unknown-subsection', 'info'],
    ]);
    // The esp section version 2 > 1: 7.2 → 5.2 with an am53c974 is really refused.
    expect(errors(r)).toContain('forward am53c974');
  });

  it('two machine types are an error, in QEMU’s words', () => {
    const r = checkCompatibility(dump('7.2', 'pc-q35-7.2'), dump('7.2', 'pc-i440fx-7.2'));
    const m = r.findings.find((f) => f.code === 'machine-type-differs');
    expect(m?.severity).toBe('error');
    expect(m?.message).toContain("Machine type received is 'pc-q35-7.2' and local is 'pc-i440fx-7.2'");
    const old = checkCompatibility(dump('7.2', 'pc-i440fx-7.2'), dump('7.2', 'pc-i440fx-2.3'));
    expect(old.findings.find((f) => f.direction === 'forward')?.message).toContain(
      'Unknown savevm section type 7',
    );
  });
});
