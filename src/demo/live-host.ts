import {
  type ByteDuplex,
  type DestinationReport,
  MigrationDestination,
  migrateSource,
  type SourceReport,
} from '../migrate/index.js';
import { type LiveGuest, liveVersions } from './live-guest.js';

/**
 * What one host of `vmstate demo --live` does with its guest, over any duplex: receive a migration
 * or send one. live-child.ts runs these over TCP; tests run them over an in-memory pair.
 */

export interface Received {
  readonly report: DestinationReport;
  /** The digest of what was installed, when the migration handed over. */
  readonly digest?: string;
}

/** Waits for a migration into `g`: `accept` each connection on the destination. */
export function receiveGuest(g: LiveGuest): {
  destination: MigrationDestination;
  received: Promise<Received>;
} {
  let digest: string | undefined;
  const destination = new MigrationDestination({
    release: g.release,
    ctx: g.ctx,
    machines: liveVersions.machines,
    memory: g.memory.map((m) => ({ name: m.name, size: m.size, pageSize: m.pageSize })),
    commit: (staged) => {
      g.install(staged);
      digest = g.digest();
    },
  });
  const received = destination.done.then((report) => ({ report, ...(digest ? { digest } : {}) }));
  return { destination, received };
}

export interface SendOptions {
  /** Start at a moment the controller's phase is not prevalent (the pre-flight must refuse it). */
  readonly notPrevalent: boolean;
  readonly downtimeMs: number;
  readonly reconnect?: () => Promise<ByteDuplex>;
}

export interface Sent {
  readonly report: SourceReport;
  /** The digest at the pause, when the source paused. */
  readonly digest?: string;
  /** Whether the state the pre-flight read was non-prevalent: what the verdict was decided on. */
  readonly notPrevalent: boolean;
}

/**
 * Migrates `g` over `duplex`. The pre-flight reads the state once, when the destination's hello
 * arrives; a running guest would be wherever wall-clock pacing left it, and about 5% of the
 * moments it yields at are mid-operation in a non-prevalent phase. So the guest is held for the
 * handshake at a moment of the asked kind, and the report says what the pre-flight actually read.
 */
export async function sendGuest(g: LiveGuest, duplex: ByteDuplex, o: SendOptions): Promise<Sent> {
  if (o.notPrevalent) g.runUntilNotPrevalent();
  else g.runUntilPrevalent();
  g.hold(true);
  let digest: string | undefined;
  let handshakeNotPrevalent: boolean | undefined;
  const live = {
    release: g.release,
    ctx: g.ctx,
    memory: g.memory,
    state: () => {
      // The first read is the handshake's (the second is at the pause).
      handshakeNotPrevalent ??= !g.prevalent();
      return g.state();
    },
    pause: async () => {
      await g.pause();
      digest = g.digest();
    },
    resume: () => g.resume(),
    stop: () => g.stop(),
  };
  const report = await migrateSource(duplex, live, {
    versions: liveVersions,
    downtimeMs: o.downtimeMs,
    ...(o.reconnect ? { reconnect: o.reconnect } : {}),
    onProgress: (p) => {
      if (p.phase !== 'handshake') g.hold(false);
    },
  });
  g.hold(false);
  return { report, ...(digest ? { digest } : {}), notPrevalent: handshakeNotPrevalent ?? false };
}
