import { describe, expect, it } from 'vitest';
import { runLiveDemo } from './live.js';

describe('vmstate demo --live', () => {
  it('migrates the floppy machine with 64 MiB between two processes: nothing lost, one side runs', async () => {
    const r = await runLiveDemo({ seed: 2, migrations: 3, memoryMiB: 64 });
    expect(r.migrations).toBe(3);
    expect(r.lost).toBe(0);
    expect(r.bothRunning).toBe(0);
    expect(r.noneRunning).toBe(0);
    // Every other backward attempt starts in a non-prevalent state: refused before the copy.
    const held = r.runs.filter((x) => x.startedNotPrevalent);
    expect(held.length).toBeGreaterThan(0);
    for (const x of held) {
      expect(x.direction).toBe('backward');
      expect(x.outcome).toBe('refused');
      expect(x.reason).toContain('fdc/phase');
    }
    // The report never contradicts itself: a backward attempt is refused exactly when the state
    // the pre-flight read was non-prevalent.
    for (const x of r.runs)
      if (x.direction === 'backward') expect(x.outcome === 'refused').toBe(x.startedNotPrevalent);
    expect(r.completed + r.refused + r.aborted).toBe(3);
    expect(r.completed).toBeGreaterThan(0);
    for (const run of r.runs) if (run.outcome === 'completed') expect(run.stateEqual).toBe(true);
    // Measured, not assumed.
    expect(r.downtimeMs).toBeGreaterThan(0);
    expect(r.throughputRatio).toBeGreaterThan(0);
    expect(r.rawMiBs).toBeGreaterThan(0);
  }, 120_000);
});
