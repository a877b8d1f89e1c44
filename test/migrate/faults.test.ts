import { describe, expect, it } from 'vitest';
import { chooseFault, resolveFaultFor, runScenario } from './scenario.js';

/**
 * Fault injection (issue 12): 500 seeded migrations, each with the connection cut, stalled or
 * corrupted at a random point of a random protocol phase (handshake, every pre-copy pass,
 * switch-over, waiting for the ack, after the decision), some also with a faulty first
 * reconnection. Every run must end with exactly one side running, the destination holding exactly
 * the source's state at the pause, or the source untouched. FAULT_SEED=n reruns one seed.
 */
const FIRST = Number(process.env.FAULT_SEED ?? 1);
const COUNT = process.env.FAULT_SEED ? 1 : 500;

describe('live migration under faults', () => {
  it(`${COUNT} seeded migrations: 0 lost, 0 both running, 0 neither, state equal on success`, async () => {
    const problems: string[] = [];
    const phases = new Map<string, number>();
    const kinds = new Map<string, number>();
    const outcomes = new Map<string, number>();
    let fired = 0;
    for (let seed = FIRST; seed < FIRST + COUNT; seed++) {
      const dry = await runScenario(seed);
      for (const p of dry.problems) problems.push(`seed ${seed} (no fault): ${p}`);
      const chosen = chooseFault(seed, dry.writes);
      if (!chosen) {
        problems.push(`seed ${seed}: no writes`);
        continue;
      }
      const run = await runScenario(seed, chosen.fault, resolveFaultFor(seed));
      for (const p of run.problems)
        problems.push(`seed ${seed} (${chosen.fault.kind} in ${chosen.phase}): ${p}`);
      if (run.fired) fired++;
      phases.set(chosen.phase, (phases.get(chosen.phase) ?? 0) + 1);
      kinds.set(chosen.fault.kind, (kinds.get(chosen.fault.kind) ?? 0) + 1);
      const key = `${run.source.outcome}/${run.destination.outcome}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    expect(problems).toEqual([]);
    if (COUNT > 1) {
      // The faults reached every phase, in every kind, and the runs ended every way.
      for (const phase of ['handshake', 'precopy-0', 'precopy-1', 'switchover', 'ack', 'decided']) {
        expect(phases.get(phase) ?? 0, phase).toBeGreaterThan(0);
      }
      for (const kind of ['cut', 'stall', 'corrupt']) expect(kinds.get(kind) ?? 0, kind).toBeGreaterThan(0);
      for (const o of ['completed/running', 'aborted/discarded', 'refused/']) {
        const n = [...outcomes].filter(([k]) => k.startsWith(o)).reduce((t, [, v]) => t + v, 0);
        expect(n, o).toBeGreaterThan(0);
      }
      expect(fired).toBeGreaterThan(COUNT * 0.9);
      console.log(
        `fault test: ${COUNT} faulted runs, outcomes ${JSON.stringify(Object.fromEntries(outcomes))}, ` +
          `phases ${JSON.stringify(Object.fromEntries(phases))}`,
      );
    }
  }, 240_000);
});
