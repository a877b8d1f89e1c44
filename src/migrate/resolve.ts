import { Channel } from './channel.js';
import type { ByteDuplex } from './duplex.js';
import type { Decision } from './messages.js';
import type { Timeouts } from './report.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Tells a destination that may hold migration `id` in doubt what the source decided, over new
 * connections, until it says `done`. Sent whether or not it has acked yet: a destination that
 * hears the decision before its ack remembers it and never acks (a late ack on a broken connection
 * cannot overtake it). True when the destination is known to have the decision.
 */
export async function deliverOutcome(
  id: string,
  decision: Decision,
  reconnect: (() => Promise<ByteDuplex>) | undefined,
  t: Timeouts,
): Promise<boolean> {
  if (!reconnect) return false;
  for (let attempt = 0; attempt < t.resolveAttempts; attempt++) {
    if (attempt > 0) await sleep(t.resolveBackoffMs);
    let ch: Channel | undefined;
    try {
      ch = new Channel(await reconnect(), t.idleMs);
      await ch.expect(['hello'], t.handshakeMs);
      await ch.send({ type: 'outcome', id, decision });
      await ch.expect(['done'], t.ackMs);
      ch.close();
      return true;
    } catch {
      ch?.close();
    }
  }
  return false;
}
