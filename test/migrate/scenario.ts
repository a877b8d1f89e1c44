import type { VersionState } from '../../src/compat/index.js';
import {
  type DestinationReport,
  memoryPair,
  migrateSource,
  type SourceReport,
  TrackedMemory,
} from '../../src/migrate/index.js';
import {
  type Direction,
  type Fault,
  type FaultKind,
  FaultyConnection,
  type WriteRecord,
} from './fault-link.js';
import { destination, FakeGuest, versions } from './fixtures.js';

/** A small PRNG (mulberry32): every scenario and fault comes from its seed. */
export function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PAGES = 64;
const PAGE = 4096;
const SIZE = PAGES * PAGE;
/** Short timeouts: a stall costs tens of ms, not seconds (a false timeout is just another fault). */
export const TIMEOUTS = {
  handshakeMs: 80,
  idleMs: 80,
  ackMs: 80,
  inDoubtMs: 5_000,
  resolveAttempts: 8,
  resolveBackoffMs: 5,
};

export type Route = 'same' | 'backward' | 'backward-turns' | 'backward-refused';

export interface Outcome {
  readonly route: Route;
  readonly source: SourceReport;
  readonly destination: DestinationReport;
  readonly sourceRunning: boolean;
  readonly destinationRunning: boolean;
  /** Invariant violations (empty when all is well). */
  readonly problems: string[];
  readonly writes: readonly WriteRecord[];
  readonly fired: boolean;
}

function same(a: unknown, b: unknown): boolean {
  return (
    JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ===
    JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))
  );
}

/** The v1 view of a v2 state (what a v1 destination holds). */
function v1View(state: VersionState): VersionState {
  const { ts: _ts, ...rest } = state.dev as Record<string, unknown>;
  return { dev: rest };
}

/**
 * One seeded migration of a small guest (64 pages plus a device) over an in-memory connection,
 * with at most one fault, and the checks: exactly one side runs; the destination runs exactly
 * the source's state at the pause; a source that runs on is untouched.
 */
export async function runScenario(seed: number, fault?: Fault, resolveFault?: Fault): Promise<Outcome> {
  const r = prng(seed);
  const pick = r();
  const route: Route =
    pick < 0.6 ? 'same' : pick < 0.8 ? 'backward' : pick < 0.9 ? 'backward-turns' : 'backward-refused';
  const machine = route === 'same' ? 'm-2' : 'm-1';
  const memory = new TrackedMemory(SIZE, { name: 'pc.ram' });
  const shadow = new TrackedMemory(SIZE, { name: 'pc.ram' });
  for (let p = 0; p < PAGES; p++) {
    if (r() < 0.3) continue; // a zero page
    const value = Math.floor(r() * 256);
    memory.fill(p * PAGE, PAGE, value);
    shadow.fill(p * PAGE, PAGE, value);
  }
  const dev = {
    ctrl: Math.floor(r() * 256),
    count: Math.floor(r() * 65536),
    base: Math.floor(r() * 2 ** 32),
    regs: [1, 2, 3, 4],
    ts:
      route === 'backward-refused' || (route === 'same' && r() < 0.5)
        ? BigInt(1 + Math.floor(r() * 1000))
        : 0n,
  };
  const guest = new FakeGuest('v2', machine, [memory], { dev });
  const shadowState: VersionState = structuredClone(guest.devices);
  const dirtyPerPass = Math.floor(r() * 24);
  const clock = { ms: 0, bytesPerMs: 64 * 1024 };
  let phase = 'start';
  const conn = new FaultyConnection(fault, () => phase, clock);
  const [a, b] = memoryPair({ aToB: conn.link('toDest'), bToA: conn.link('toSource') });
  const d = destination(route === 'same' ? 'v2' : 'v1', machine, [{ name: 'pc.ram', size: SIZE }], {
    timeouts: TIMEOUTS,
  });
  let attempts = 0;
  const reconnect = async () => {
    attempts++;
    const c = new FaultyConnection(attempts === 1 ? resolveFault : undefined, () => 'resolve');
    const [x, y] = memoryPair({ aToB: c.link('toDest'), bToA: c.link('toSource') });
    d.accept(y);
    return x;
  };
  /** The guest runs between passes: writes pages and its device (on the guest and the shadow). */
  const runGuest = (pass: number) => {
    const g = prng(seed * 31 + pass);
    for (let i = 0; i < dirtyPerPass; i++) {
      const at = Math.floor(g() * PAGES) * PAGE + Math.floor(g() * PAGE);
      const v = Math.floor(g() * 256);
      memory.setUint8(at, v);
      shadow.setUint8(at, v);
    }
    for (const s of [guest.devices, shadowState]) {
      const x = s.dev as { count: number; ts: bigint };
      x.count = (x.count + 1) & 0xffff;
      if (route === 'backward-turns' && pass === 1) x.ts = 42n;
    }
  };
  const sourceDone = migrateSource(a, guest, {
    versions,
    id: `m-${seed}`,
    now: () => clock.ms,
    downtimeMs: 0.3,
    maxIterations: 4,
    chunkBytes: 16 * 1024,
    timeouts: TIMEOUTS,
    reconnect,
    onProgress: (p) => {
      phase = p.phase === 'precopy' ? `precopy-${p.iteration}` : p.phase;
      if (p.phase === 'precopy') runGuest(p.iteration);
    },
  });
  d.accept(b);
  const [source, dest] = await Promise.all([sourceDone, d.dest.done]);
  const sourceRunning = guest.status === 'running';
  const staged = d.committed();
  const destinationRunning = staged !== undefined && dest.outcome === 'running';
  const problems: string[] = [];
  if (sourceRunning && destinationRunning) problems.push('both running');
  if (!sourceRunning && !destinationRunning) problems.push(`neither running (destination ${dest.outcome})`);
  if (dest.outcome === 'in-doubt') problems.push('the destination never heard the decision');
  if (source.sourceRunning !== sourceRunning) problems.push('source report disagrees with the source');
  if ((source.outcome === 'completed') === sourceRunning) problems.push(`source outcome ${source.outcome}`);
  if (destinationRunning) {
    const at = guest.atPause;
    if (!at) problems.push('destination runs, source never paused');
    else {
      const want = route === 'same' ? at.state : v1View(at.state);
      if (!same(staged?.state, want)) problems.push('destination state differs from the source at the pause');
      if (!staged?.memory[0]?.equals(at.memory[0] as TrackedMemory)) {
        problems.push('destination memory differs from the source at the pause');
      }
    }
  }
  if (sourceRunning) {
    if (!same(guest.devices, shadowState)) problems.push('the source state was touched');
    if (!memory.equals(shadow)) problems.push('the source memory was touched');
  }
  return {
    route,
    source,
    destination: dest,
    sourceRunning,
    destinationRunning,
    problems,
    writes: conn.writes,
    fired: conn.fired,
  };
}

const KINDS: readonly FaultKind[] = ['cut', 'stall', 'corrupt'];

/** A fault at a random point of a dry run's writes: phase first (so every phase is hit), then write, kind, byte. */
export function chooseFault(
  seed: number,
  writes: readonly WriteRecord[],
): { fault: Fault; phase: string } | undefined {
  const r = prng(seed ^ 0x5bd1e995);
  const phases = [...new Set(writes.map((w) => w.phase))];
  if (phases.length === 0) return undefined;
  const phase = phases[Math.floor(r() * phases.length)] as string;
  const inPhase = writes.filter((w) => w.phase === phase);
  const w = inPhase[Math.floor(r() * inPhase.length)] as WriteRecord;
  const kind = KINDS[Math.floor(r() * KINDS.length)] as FaultKind;
  const at = Math.floor(r() * (w.length + 1));
  return { fault: { direction: w.direction, write: w.index, at, kind }, phase };
}

/** A fault for the first reconnection (30% of seeds), to exercise the resolution path too. */
export function resolveFaultFor(seed: number): Fault | undefined {
  const r = prng(seed ^ 0x27d4eb2f);
  if (r() >= 0.3) return undefined;
  const direction: Direction = r() < 0.5 ? 'toDest' : 'toSource';
  return {
    direction,
    write: Math.floor(r() * 4),
    at: Math.floor(r() * 40),
    kind: KINDS[Math.floor(r() * 3)] as FaultKind,
  };
}
