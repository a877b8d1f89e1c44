import { describe, expect, it } from 'vitest';
import { type ByteDuplex, type MemoryLink, memoryPair } from '../migrate/index.js';
import { LiveGuest } from './live-guest.js';
import { receiveGuest, type Sent, sendGuest } from './live-host.js';

const MEMORY = 1 << 20;
const guest = (release: 'v1' | 'v2a') =>
  new LiveGuest({ release, seed: 1, profile: 'irq', sectors: 400, memoryBytes: MEMORY });

/** A link that holds back what it carries (first the destination's hello) for `turns` event-loop turns. */
function lateStart(turns: number): MemoryLink {
  const held: (() => void)[] = [];
  let open = false;
  const wait = (n: number): void => {
    if (n > 0) return void setImmediate(() => wait(n - 1));
    open = true;
    for (const deliver of held.splice(0)) deliver();
  };
  wait(turns);
  return {
    transfer(chunk, deliver) {
      if (open) deliver(chunk);
      else held.push(() => deliver(chunk));
    },
  };
}

/** One migration v2a → v1 (backward) in-process, the hello arriving `turns` turns late. */
async function backward(turns: number, notPrevalent: boolean): Promise<Sent> {
  const source = guest('v2a');
  source.boot();
  const target = guest('v1');
  const { destination, received } = receiveGuest(target);
  const [a, b]: [ByteDuplex, ByteDuplex] = memoryPair({ bToA: lateStart(turns) });
  void destination.accept(b);
  try {
    const sent = await sendGuest(source, a, { notPrevalent, downtimeMs: 300 });
    await received;
    return sent;
  } finally {
    source.stop();
    target.stop();
  }
}

// The guest runs one slice of steps per event-loop turn, so each delay hands the handshake a
// different moment of the workload: the same as a loaded machine's slower or faster pacing.
describe('demo --live: the verdict does not depend on pacing', () => {
  it('an attempt asked to start prevalent is never refused, however late the hello', async () => {
    const outcomes = new Set<string>();
    for (let turns = 0; turns <= 60; turns++) {
      const sent = await backward(turns, false);
      expect(sent.notPrevalent, `hello ${turns} turns late`).toBe(false);
      expect(sent.report.outcome, `hello ${turns} turns late: ${sent.report.reason}`).toBe('completed');
      outcomes.add(sent.report.outcome);
    }
    expect([...outcomes]).toEqual(['completed']);
  }, 120_000);

  it('an attempt asked to start non-prevalent is refused by the pre-flight, and says so', async () => {
    for (const turns of [0, 7, 31]) {
      const sent = await backward(turns, true);
      expect(sent.notPrevalent).toBe(true);
      expect(sent.report.outcome).toBe('refused');
      expect(sent.report.reason).toContain('fdc/phase');
    }
  }, 60_000);
});
