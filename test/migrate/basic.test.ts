import { describe, expect, it } from 'vitest';
import { memoryPair, migrateSource, TrackedMemory } from '../../src/migrate/index.js';
import { destination, devState, FakeGuest, versions } from './fixtures.js';

function memoryOf(size: number, seed: number): TrackedMemory {
  const m = new TrackedMemory(size, { name: 'pc.ram' });
  for (let p = 0; p < m.pages; p += 3) m.fill(p * 4096 + (seed % 100), 100, (p + seed) & 0xff);
  return m;
}

describe('live migration over an in-memory pair', () => {
  it('completes: the destination runs what the source had at the pause, the source stops', async () => {
    const guest = new FakeGuest('v2', 'm-2', [memoryOf(1 << 20, 1)], devState(5, 77n));
    const d = destination('v2', 'm-2', [{ name: 'pc.ram', size: 1 << 20 }]);
    const [a, b] = memoryPair();
    d.accept(b);
    let writes = 0;
    const report = await migrateSource(a, guest, {
      versions,
      onProgress: (p) => {
        // The guest keeps writing during pre-copy.
        if (p.phase === 'precopy' && writes++ < 3) guest.memory[0]?.fill(4096 * 10, 8192, 0xaa + writes);
      },
    });
    const dr = await d.dest.done;
    expect(report.outcome).toBe('completed');
    expect(dr.outcome).toBe('running');
    expect(guest.status).toBe('stopped');
    const staged = d.committed();
    expect(staged?.state).toEqual(guest.atPause?.state);
    expect(staged?.memory[0]?.equals(guest.atPause?.memory[0] as TrackedMemory)).toBe(true);
    expect(report.outcomeDelivered).toBe(true);
    expect(report.iterations).toBeGreaterThanOrEqual(1);
  });

  it('refuses v2 → v1 before any bulk copy when ts is not prevalent, with the reason', async () => {
    const guest = new FakeGuest('v2', 'm-1', [memoryOf(1 << 16, 2)], devState(5, 9n));
    const d = destination('v1', 'm-1', [{ name: 'pc.ram', size: 1 << 16 }]);
    const [a, b] = memoryPair();
    d.accept(b);
    const report = await migrateSource(a, guest, { versions });
    const dr = await d.dest.done;
    expect(report.outcome).toBe('refused');
    expect(report.streamBytes).toBe(0);
    expect(report.findings.some((f) => f.code === 'unknown-subsection' && f.severity === 'error')).toBe(true);
    expect(dr.outcome).toBe('refused');
    expect(guest.status).toBe('running');
  });
});
