import { describe, expect, it } from 'vitest';
import { DiskImage } from './disk.js';
import { cloneRun, compareRuns, continueRun, digestRun, forkAt, record, type Workload } from './run.js';
import { RUNTIMES } from './runtime.js';
import { machines, RELEASES } from './versions.js';
import { PROFILE_NAMES, PROFILES, workload } from './workloads.js';

const SECTORS = 120;
const work = (name: (typeof PROFILE_NAMES)[number], seed = 5): Workload => ({
  profile: PROFILES[name],
  ops: workload(PROFILES[name], seed, SECTORS),
  seed,
});

describe.each(PROFILE_NAMES)('the %s workload', (name) => {
  const w = work(name);
  const v1 = record(w, RUNTIMES.v1);
  const v2 = record(w, RUNTIMES.v2);

  it('moves over a hundred sectors with seeks and interrupts, in boot, io and idle stretches', () => {
    const sectors = w.ops.reduce((n, op) => n + (op.k === 'read' || op.k === 'write' ? op.count : 0), 0);
    expect(sectors).toBeGreaterThanOrEqual(SECTORS);
    expect(new Set(w.ops.map((op) => op.stretch))).toEqual(new Set(['boot', 'io', 'idle']));
    const log = v2.final.driver.log;
    expect(log.filter((l) => / read .* data /.test(l)).length).toBeGreaterThan(15);
    expect(log.filter((l) => / write /.test(l)).length).toBeGreaterThanOrEqual(8);
    expect(log.some((l) => /recalibrate: 2[01] 00/.test(l))).toBe(true);
    expect(v2.final.machine.irqLog.length).toBeGreaterThan(20);
    // Nothing went wrong without a migration.
    expect(v2.final.driver).toMatchObject({ timeouts: 0, desyncs: 0, errors: 0 });
    expect(log.some((l) => / gave up/.test(l))).toBe(false);
    const written = v2.final.machine.disks.reduce((n, d) => n + d.writtenSectors.length, 0);
    expect(written).toBeGreaterThan(10);
  });

  it('is deterministic: the same seed gives the same run, another seed another one', () => {
    const again = record(work(name), RUNTIMES.v2);
    expect(again.opEnd).toEqual(v2.opEnd);
    expect(again.final.driver.log).toEqual(v2.final.driver.log);
    const other = record(work(name, 6), RUNTIMES.v2);
    expect(other.final.driver.log).not.toEqual(v2.final.driver.log);
  });

  it('looks the same to the guest on both runtimes; only v2 has phases the MSR does not tell', () => {
    expect(v1.final.driver.log).toEqual(v2.final.driver.log);
    expect(v1.final.machine.irqLog).toEqual(v2.final.machine.irqLog);
    for (let d = 0; d < 2; d++) {
      expect(
        DiskImage.differences(v1.final.machine.disks[d] as DiskImage, v2.final.machine.disks[d] as DiskImage),
      ).toEqual([]);
    }
    expect(v1.opEnd).toEqual(v2.opEnd);
    expect(v1.notPrevalent.every((f) => f === 0)).toBe(true);
    expect(v2.notPrevalent.some((f) => f === 1)).toBe(true);
    expect(v2.totalSteps).toBeGreaterThan(v1.totalSteps);
  });

  it('a fork replays to the same state, and a same-release migration changes nothing (to the end)', () => {
    const ctx = machines.context('pc-2.3');
    for (const k of [1, Math.floor(v2.totalSteps / 3), v2.totalSteps - 2]) {
      const fork = forkAt(v2, k);
      expect(fork.run.steps).toBe(k);
      const bytes = fork.run.machine.save(RELEASES.v2a.section, ctx);
      fork.run.machine.install(fork.run.machine.load(RUNTIMES.v2, RELEASES.v2a.section, ctx, bytes));
      const c = continueRun(fork, v2, w, true);
      expect(c.ending).toBe('end');
      expect(compareRuns(c.run, v2.final, false).changed).toBe(false);
      expect(digestRun(c.run)).toBe(v2.opEnd[v2.opEnd.length - 1]);
    }
  });
});

it('the impatient driver resets the controller mid-command (DOR) and by software (DSR)', () => {
  const log = record(work('impatient', 1), RUNTIMES.v2).final.driver.log;
  expect(log.some((l) => /abandoned after [1-8] byte/.test(l))).toBe(true);
  expect(log.some((l) => /abandoned after 9 byte/.test(l))).toBe(true);
  expect(log.some((l) => /reset dsr: sense c0 c1 c2 c3/.test(l))).toBe(true);
});

describe('migrating a running workload', () => {
  const w = work('irq');
  const v1 = record(w, RUNTIMES.v1);
  const v2 = record(w, RUNTIMES.v2);
  const old = machines.context('pc-2.3');
  const rare = [...v2.notPrevalent.keys()].filter((i) => v2.notPrevalent[i] === 1).map((i) => i + 1);

  it('forward (v1 → v2x), run to the end, gives the unmigrated disk images, data and interrupts', () => {
    const points = [3, 50, 400, Math.floor(v1.totalSteps / 2), v1.totalSteps - 5];
    for (const k of points) {
      for (const to of ['v2a', 'v2b', 'v2c'] as const) {
        const fork = forkAt(v1, k);
        const bytes = fork.run.machine.save(RELEASES.v1.section, old);
        fork.run.machine.install(fork.run.machine.load(RUNTIMES.v2, RELEASES[to].section, old, bytes));
        const c = continueRun(fork, v2, w, true);
        const cmp = compareRuns(c.run, v2.final, false);
        expect(cmp, `v1 → ${to} at step ${k}`).toMatchObject({ changed: false, differentSectors: 0 });
        expect(cmp.symptoms).toEqual([]);
      }
    }
  });

  it('the convergence shortcut gives the same verdict as running to the end', () => {
    for (const k of rare.slice(0, 12)) {
      for (const [from, to] of [
        ['v2b', 'v1'],
        ['v2a', 'v2a'],
      ] as const) {
        const verdicts = [false, true].map((full) => {
          const fork = forkAt(v2, k);
          const bytes = fork.run.machine.save(RELEASES[from].section, old);
          const dest = RELEASES[to];
          fork.run.machine.install(fork.run.machine.load(dest.runtime, dest.section, old, bytes));
          const ref = dest.runtime.name === 'v1' ? v1 : v2;
          const c = continueRun(fork, ref, w, full);
          return c.ending === 'same'
            ? { changed: false, symptoms: [] }
            : compareRuns(c.run, c.reference, false);
        });
        expect(verdicts[0]?.changed, `${from} → ${to} at ${k}`).toBe(verdicts[1]?.changed);
        expect(verdicts[0]?.symptoms).toEqual(verdicts[1]?.symptoms);
      }
    }
  });
});

describe('compareRuns names what the guest saw', () => {
  const w = work('irq');
  const v2 = record(w, RUNTIMES.v2);
  const same = () => cloneRun(v2.final);

  it('an identical run changed nothing', () => {
    expect(compareRuns(same(), v2.final, false)).toMatchObject({ changed: false, symptoms: [] });
  });

  it('wrong-data: a read handed the guest other bytes (and only that)', () => {
    const run = same();
    const at = run.driver.log.findIndex((l) => / read .* data [0-9a-f]{8}$/.test(l));
    expect(at).toBeGreaterThanOrEqual(0);
    const line = run.driver.log[at] as string;
    const flipped = line.replace(
      /data ([0-9a-f]{8})$/,
      (_, h: string) => `data ${h === '00000000' ? '00000001' : '00000000'}`,
    );
    run.driver.log[at] = flipped;
    const cmp = compareRuns(run, v2.final, false);
    expect(cmp.symptoms).toEqual(['wrong-data']);
    expect(cmp.changed).toBe(true);
    expect(cmp.firstDifference).toBe(flipped);
  });

  it('corrupted-disk: a sector of an image differs (and only that), counted', () => {
    const run = same();
    const disk = run.machine.disks[1] as DiskImage;
    const sector = disk.read(7).slice();
    sector[0] = (sector[0] ?? 0) ^ 0xff;
    disk.write(7, sector);
    const cmp = compareRuns(run, v2.final, false);
    expect(cmp.symptoms).toEqual(['corrupted-disk']);
    expect(cmp.differentSectors).toBe(1);
    expect(cmp.changed).toBe(true);
  });

  it('hang: the run was declared stuck, or the driver timed out more often', () => {
    expect(compareRuns(same(), v2.final, true).symptoms).toEqual(['hang']);
    const run = same();
    run.driver.timeouts++;
    expect(compareRuns(run, v2.final, false).symptoms).toEqual(['hang']);
  });

  it('driver-error: more protocol errors, or more resets of the controller, each on its own', () => {
    const errors = same();
    errors.driver.errors++;
    expect(compareRuns(errors, v2.final, false).symptoms).toEqual(['driver-error']);
    const resets = same();
    resets.driver.resets++;
    expect(compareRuns(resets, v2.final, false).symptoms).toEqual(['driver-error']);
  });

  it('interrupts in another order change the run even with no named symptom', () => {
    const run = same();
    const log = run.machine.irqLog;
    const at = log.findIndex((x, i) => i > 0 && x !== log[i - 1]);
    expect(at).toBeGreaterThan(0);
    [log[at - 1], log[at]] = [log[at] as (typeof log)[number], log[at - 1] as (typeof log)[number]];
    expect(compareRuns(run, v2.final, false)).toMatchObject({ changed: true, symptoms: [] });
  });
});
