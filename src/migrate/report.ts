import type { MigrationFinding } from './findings.js';
import type { Decision } from './messages.js';

/** How long each end waits (ms). Tests shorten them; the defaults suit a LAN. */
export interface Timeouts {
  /** For the other end's first message. */
  readonly handshakeMs: number;
  /** Longest silence while the other end should be sending (a stall). */
  readonly idleMs: number;
  /** For the destination's ack after the last byte, and for `done` after the decision. */
  readonly ackMs: number;
  /** How long an in-doubt destination waits for the decision before reporting `in-doubt`. */
  readonly inDoubtMs: number;
  /** Attempts of the source to tell an in-doubt destination the decision, and the pause between. */
  readonly resolveAttempts: number;
  readonly resolveBackoffMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  handshakeMs: 10_000,
  idleMs: 10_000,
  ackMs: 10_000,
  inDoubtMs: 120_000,
  resolveAttempts: 10,
  resolveBackoffMs: 200,
};

export type Phase = 'handshake' | 'precopy' | 'switchover' | 'ack' | 'decided' | 'done';

/** A progress event: emitted at every phase change and after every pre-copy pass. */
export interface Progress {
  readonly phase: Phase;
  /** Pre-copy pass (0: the full copy). */
  readonly iteration: number;
  /** Stream bytes sent (source) or received (destination) so far. */
  readonly bytes: number;
  /** Pages still dirty (source). */
  readonly dirtyPages: number;
  /** Bytes per second the guest dirtied during the last pass (source). */
  readonly dirtyRate: number;
  /** Bytes per second measured over the last pass (source). */
  readonly bandwidth: number;
  /** What the pause would cost now: dirty bytes / bandwidth (ms). */
  readonly expectedDowntimeMs: number;
}

/** What happened, from the source's side. */
export interface SourceReport {
  /**
   * `completed`: the destination runs, this side stopped; `refused`: pre-flight said no before any
   * bulk copy; `aborted`: something failed before the ack, this side runs on untouched.
   */
  readonly outcome: 'completed' | 'refused' | 'aborted';
  readonly id: string;
  /** Whether the source runs after the call (it does unless the migration completed). */
  readonly sourceRunning: boolean;
  readonly decision: Decision | undefined;
  /** Why it was refused or aborted. */
  readonly reason?: string;
  readonly findings: readonly MigrationFinding[];
  /** Pre-copy passes, the full copy included. */
  readonly iterations: number;
  /** Whether the expected downtime fell within the budget (else: the reason). */
  readonly converged: boolean;
  readonly convergence?: string;
  /** Stream bytes (the QEMU stream, without framing) and all bytes on the wire. */
  readonly streamBytes: number;
  readonly wireBytes: number;
  readonly pagesSent: number;
  readonly zeroPages: number;
  /** Bytes per second the guest dirtied during the last pre-copy pass. */
  readonly dirtyRate: number;
  /** Bytes per second of the first (full) pass: the steady throughput. */
  readonly throughput: number;
  /** Source paused → ack received (ms, wall clock). */
  readonly downtimeMs: number | undefined;
  /** What the last pass predicted the downtime would be. */
  readonly expectedDowntimeMs: number | undefined;
  readonly durationMs: number;
  /**
   * Whether the destination is known to have heard the decision (`done`). False only when it
   * may still hold the migration in doubt and every attempt to tell it failed.
   */
  readonly outcomeDelivered: boolean;
}

/** What happened, from the destination's side. */
export interface DestinationReport {
  /**
   * `running`: committed and running; `refused`: the source's pre-flight said no; `discarded`:
   * anything failed before the ack, or the source decided to keep running; `in-doubt`: acked, and
   * the decision never arrived: it holds the staged state and neither runs nor drops it.
   */
  readonly outcome: 'running' | 'refused' | 'discarded' | 'in-doubt';
  readonly id: string | undefined;
  readonly reason?: string;
  readonly findings: readonly MigrationFinding[];
  readonly streamBytes: number;
  readonly iterations: number;
  /** Last byte received → staged and validated (ms). */
  readonly loadMs: number | undefined;
}
