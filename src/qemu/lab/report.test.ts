import { describe, expect, it } from 'vitest';
import { cellId, type LabCell } from './cells.js';
import { outcomeOf } from './outcome.js';
import { LAB_REPORT_FORMAT, type LabQemuReport, mergeReports, parseReport, summarize } from './report.js';
import type { CellResult, Verdict } from './result.js';

const cell = (workload: string): LabCell => {
  const c = {
    from: '10.0',
    to: '7.2',
    machine: 'pc-i440fx-7.2',
    devices: 'base',
    workload,
    when: 'settled',
  } as const;
  return { id: cellId(c), ...c };
};

const result = (
  workload: string,
  qemu: Verdict,
  vmstate: Verdict,
  extra: Partial<CellResult> = {},
): CellResult => ({
  cell: cell(workload),
  qemu: { verdict: qemu, status: qemu === 'loads' ? 'completed' : 'failed', ms: 1 },
  vmstate: { verdict: vmstate, reasons: [], changes: [], ms: 1 },
  agree: qemu === vmstate,
  ...extra,
});

const report = (
  cells: CellResult[],
  shard: string,
  versions = { '10.0': '10.0.2', '7.2': '7.2.22' },
): LabQemuReport => ({
  format: LAB_REPORT_FORMAT,
  versions,
  shards: [shard],
  durationMs: 1000,
  jobs: 2,
  cells,
});

describe('lab report', () => {
  it('counts verdicts, agreement, errors, conversions and silent changes', () => {
    const cells = [
      result('prevalent', 'loads', 'loads'),
      result('ltim', 'refused', 'refused'),
      result('rtc-periodic', 'loads', 'refused'),
      { cell: cell('pit-latched'), error: 'source QEMU 10.0 did not save: boom' },
      result('uart-loopback', 'loads', 'loads', {
        convert: { converted: true, losses: [], lossAllowed: false, loaded: 'loads' },
        roundTrip: { changes: [{ path: 'x › y', sent: '0x01', resaved: '0x00' }], sections: 3 },
      }),
    ];
    expect(summarize(cells)).toEqual({
      cells: 5,
      verdicts: 4,
      loads: 3,
      refused: 1,
      agree: 3,
      disagree: 1,
      errors: 1,
      converted: 1,
      convertedLoaded: 1,
      convertRefusedLoadable: 0,
      roundTrips: 1,
      silentChangeCells: 1,
      silentChangesFlagged: 0,
    });
    const flagged = {
      ...result('esp-busy', 'loads', 'loads'),
      vmstate: {
        verdict: 'loads' as const,
        reasons: [],
        changes: ['0000:00:05.0/pciespscsi › esp › lun: read as ti_cmd'],
        ms: 1,
      },
      roundTrip: {
        changes: [{ path: '0000:00:05.0/pciespscsi › esp › lun', sent: '0x01', resaved: '0x00' }],
        sections: 30,
      },
    };
    expect(summarize([flagged]).silentChangesFlagged).toBe(1);
    expect(cells.map(outcomeOf)).toEqual(['loads', 'refused', 'disagree', 'error', 'loads']);
  });

  it('merges shards into one report, and refuses conflicting ones', () => {
    const a = report([result('ltim', 'refused', 'refused')], '1/2');
    const b = report([result('prevalent', 'loads', 'loads')], '2/2');
    const merged = mergeReports([a, b]);
    expect(merged.cells.map((c) => c.cell.workload)).toEqual(['ltim', 'prevalent']);
    expect(merged.shards).toEqual(['1/2', '2/2']);
    expect(merged.durationMs).toBe(2000);
    expect(() => mergeReports([a, report([result('ltim', 'loads', 'loads')], '1/2')])).toThrow(
      /different QEMU verdicts/,
    );
    expect(() => mergeReports([a, report([], '2/2', { '10.0': '10.0.3', '7.2': '7.2.22' })])).toThrow(
      /different QEMU 10\.0/,
    );
  });

  it('parses its own JSON and names what is wrong with anything else', () => {
    const r = report([result('ltim', 'refused', 'refused')], 'all');
    expect(parseReport(JSON.stringify(r), 'r.json')).toEqual(r);
    expect(() => parseReport('{', 'x.json')).toThrow(/x\.json is not JSON/);
    expect(() => parseReport('{"format":"other","cells":[]}', 'y.json')).toThrow(
      /y\.json is not a vmstate-lab-qemu\/1/,
    );
  });
});
