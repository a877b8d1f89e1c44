import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dishonestDev } from '../../../test/lab/fixtures/buggy.js';
import { phaseSubsection } from '../../../test/lab/fixtures/phase.js';
import { timerdev } from '../../../test/lab/fixtures/timerdev.js';
import { array, field, struct, uint8, vmsd } from '../../index.js';
import { checkNeededHonesty, checkVersionsHonesty } from './honesty.js';

describe('needed() honesty', () => {
  it('finds a predicate that says "not needed" in a state that is not prevalent, shrunk to it', () => {
    const [finding] = checkNeededHonesty(dishonestDev);
    expect(finding?.subsection).toEqual(['dev/level']);
    expect(finding?.dishonest).toBeGreaterThan(0);
    // needed is `level > 1`, the receiver reconstructs 0: level = 1 is the smallest lie.
    expect(finding?.example).toMatchObject({
      path: ['level'],
      sent: 1,
      reconstructed: 0,
      state: { ctrl: 0, level: 1 },
    });
  });

  it('accepts a derived default that is honest by construction (fdc/phase) when phases are real', () => {
    const findings = checkNeededHonesty(phaseSubsection, {
      overrides: { fdc: { phase: fc.integer({ min: 1, max: 3 }) } },
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]?.dishonest).toBe(0);
    expect(findings[0]?.notNeeded).toBeGreaterThan(0);
  });

  it('checks subsections of nested structs, per element description', () => {
    const drive = vmsd('drive', {
      version: 1,
      fields: [field('head', uint8)],
      subsections: (sub) => [
        sub('drive/perp', { version: 1, fields: [field('perp', uint8)], needed: (s) => s.perp > 2 }),
      ],
    });
    const ctl = vmsd('ctl', { version: 1, fields: [field('drives', array(struct(drive), 2))] });
    const findings = checkNeededHonesty(ctl);
    const perp = findings.find((f) => f.subsection[0] === 'drive/perp');
    expect(perp?.description).toBe('drive');
    expect(perp?.example?.sent).toBe(1);
  });

  it('finds no dishonest predicate in a correct model, on any version or machine type', () => {
    const findings = checkVersionsHonesty(timerdev, { runs: 100 });
    expect(findings.length).toBeGreaterThan(10);
    expect(findings.filter((f) => f.dishonest > 0)).toEqual([]);
    // Machine-gated subsections are checked where the machine type has the feature.
    const fifoOnPc2 = findings.find((f) => f.subsection[0] === 'timerdev/fifo' && f.machine === 'pc-2');
    expect(fifoOnPc2?.notNeeded).toBeLessThan(fifoOnPc2?.runs ?? 0);
  });
});

describe('needed() honesty of a whole section', () => {
  const section = (needed: (s: { a: number }) => boolean) =>
    vmsd('dev', { version: 1, fields: [field('a', uint8)], needed });

  it('finds a section-level needed() that drops state a fresh receiver does not have', () => {
    const findings = checkNeededHonesty(section((s) => s.a > 1));
    const f = findings.find((x) => x.subsection[0] === '(section)');
    expect(f?.dishonest).toBeGreaterThan(0);
    // Not sent at a = 1; the receiver keeps its reset value 0.
    expect(f?.example).toMatchObject({ path: ['a'], sent: 1, reconstructed: 0, state: { a: 1 } });
  });

  it('accepts one that holds back only the reset state', () => {
    const [f] = checkNeededHonesty(section((s) => s.a !== 0));
    expect(f).toMatchObject({ subsection: ['(section)'], dishonest: 0 });
    expect(f?.notNeeded).toBeGreaterThan(0);
    expect(f?.notNeeded).toBeLessThan(f?.runs ?? 0);
  });
});
