/**
 * A QEMU migration that never strands the guest on a destination that would refuse its state:
 * pre-flight before a byte is copied, then a real migration with `pause-before-switchover`; at
 * the pause (RAM sent, source stopped, device state final and not yet sent) the final device state
 * is checked again, and the migration either continues or is cancelled with the source running.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DescriptionSet } from '../compat/index.js';
import {
  type PreflightOptions,
  type PreflightResult,
  preflight,
  type QmpLink,
  type RunStatus,
  runStatus,
} from './preflight.js';
import { layoutCache } from './preflight-vmdesc.js';

/** QMP `query-migrate`, the parts used here. */
export interface MigrationInfo {
  readonly status?: string;
  readonly 'error-desc'?: string;
  readonly 'total-time'?: number;
  readonly downtime?: number;
  readonly ram?: {
    readonly transferred: number;
    readonly remaining: number;
    readonly total: number;
    readonly mbps: number;
    readonly 'dirty-pages-rate'?: number;
  };
  readonly [key: string]: unknown;
}

export interface MigrationProgress {
  /** QEMU's migration status: `setup`, `active`, `pre-switchover`, `device`, `completed`, … */
  readonly status: string;
  readonly elapsedMs: number;
  /** RAM bytes sent so far, still to send, in all; rate in Mbit/s (QEMU's `mbps`). */
  readonly transferred: number;
  readonly remaining: number;
  readonly total: number;
  readonly mbps: number;
}

export type GuardedOutcome =
  /** Pre-flight said the destination would refuse the state: no migration was started. */
  | 'refused-before-start'
  /** The final state at the switch-over pause would be refused: cancelled, the source runs again. */
  | 'refused-at-switchover'
  /** QEMU's own final status after the guard let the migration continue (or it ended by itself). */
  | 'completed'
  | 'failed'
  | 'cancelled';

export interface GuardedMigrationResult {
  readonly outcome: GuardedOutcome;
  readonly preflight?: PreflightResult;
  /** The check of the final device state at the switch-over pause. */
  readonly atSwitchover?: PreflightResult;
  /** QEMU's last `query-migrate` (undefined when no migration was started). */
  readonly migration?: MigrationInfo;
  /** The last progress seen while the migration ran (a cancelled migration's final answer has no RAM figures). */
  readonly progress?: MigrationProgress;
  /** The source's run state when it was all over. */
  readonly source: RunStatus;
  /** Time the guard held the switch-over: from seeing the pause to `migrate-continue`/`migrate_cancel`. */
  readonly guardMs?: number;
}

export interface GuardedMigrateOptions extends PreflightOptions {
  /** Where QEMU migrates to, as `migrate` takes it: `tcp:HOST:PORT`, `exec:CMD`, `unix:PATH`, … */
  readonly uri: string;
  /** The destination's `-dump-vmstate` for the same machine type. */
  readonly destination: DescriptionSet;
  /** Start migrating without pre-flight (the guard at the switch-over pause still runs). */
  readonly skipPreflight?: boolean;
  /** How often `query-migrate` is asked (default 20 ms: the pause is seen that much later at most). */
  readonly pollMs?: number;
  /** Called at every poll while the migration runs. */
  readonly onProgress?: (progress: MigrationProgress) => void;
  /** Aborting cancels the migration and leaves the source running (as it was). */
  readonly signal?: AbortSignal;
}

/** A migration that cannot be started or guarded (another one running, QEMU without the capability). */
export class GuardError extends Error {
  override readonly name = 'GuardError';
}

const FINAL = new Set(['completed', 'failed', 'cancelled']);
const IDLE = new Set([undefined, 'none', ...FINAL]);
const PAUSE_CAPABILITY = 'pause-before-switchover';

export function progressOf(info: MigrationInfo, elapsedMs: number): MigrationProgress {
  return {
    status: info.status ?? 'none',
    elapsedMs,
    transferred: info.ram?.transferred ?? 0,
    remaining: info.ram?.remaining ?? 0,
    total: info.ram?.total ?? 0,
    mbps: info.ram?.mbps ?? 0,
  };
}

async function setPauseCapability(qmp: QmpLink, state: boolean): Promise<void> {
  await qmp.command('migrate-set-capabilities', { capabilities: [{ capability: PAUSE_CAPABILITY, state }] });
}

async function pauseCapability(qmp: QmpLink): Promise<boolean> {
  const caps = await qmp.command<{ capability: string; state: boolean }[]>('query-migrate-capabilities');
  const cap = caps.find((c) => c.capability === PAUSE_CAPABILITY);
  if (cap === undefined) throw new GuardError(`this QEMU has no '${PAUSE_CAPABILITY}' migration capability`);
  return cap.state;
}

async function untilFinal(qmp: QmpLink, pollMs: number): Promise<MigrationInfo> {
  for (;;) {
    const info = await qmp.command<MigrationInfo>('query-migrate');
    if (info.status !== undefined && FINAL.has(info.status)) return info;
    await sleep(pollMs);
  }
}

/**
 * After a cancel: QEMU resumes a source that was running by itself, a moment after it reports
 * `cancelled`; wait for that, and `cont` only if it does not happen.
 */
async function sourceRunningAgain(qmp: QmpLink, wasRunning: boolean): Promise<RunStatus> {
  let status = await runStatus(qmp);
  if (!wasRunning) return status;
  for (let i = 0; i < 50 && !status.running; i++) {
    await sleep(20);
    status = await runStatus(qmp);
  }
  if (!status.running) {
    await qmp.command('cont');
    status = await runStatus(qmp);
  }
  return status;
}

async function cancel(qmp: QmpLink, wasRunning: boolean, pollMs: number) {
  await qmp.command('migrate_cancel');
  const migration = await untilFinal(qmp, pollMs);
  return { migration, source: await sourceRunningAgain(qmp, wasRunning) };
}

/** The pre-flight before the first byte; undefined when `skipPreflight` asks for no verdict. */
async function askBeforeStart(
  qmp: QmpLink,
  options: GuardedMigrateOptions,
  asks: GuardedMigrateOptions,
): Promise<PreflightResult | undefined> {
  if (options.skipPreflight !== true) return preflight(qmp, options.destination, asks);
  // No verdict wanted, but learn the source's layouts now (a sub-millisecond pause of a running
  // guest) rather than at the switch-over pause, where the guest is down until we decide.
  if (options.source !== undefined) await preflight(qmp, options.destination, asks);
  return undefined;
}

/** Migrates the VM behind `qmp` to `options.uri`, guarded (see the module comment). */
export async function guardedMigrate(
  qmp: QmpLink,
  options: GuardedMigrateOptions,
): Promise<GuardedMigrationResult> {
  const pollMs = options.pollMs ?? 20;
  const current = await qmp.command<MigrationInfo>('query-migrate');
  if (!IDLE.has(current.status))
    throw new GuardError(`a migration is already in progress (${current.status})`);
  const hadPause = await pauseCapability(qmp);

  // One layout cache for both asks: at the switch-over pause the guest is down while we check.
  const asks = { ...options, layouts: options.layouts ?? layoutCache() };
  const pre = await askBeforeStart(qmp, options, asks);
  if (pre?.verdict === 'refused')
    return { outcome: 'refused-before-start', preflight: pre, source: pre.after };
  const before = await runStatus(qmp);
  const withPre = pre === undefined ? {} : { preflight: pre };

  if (!hadPause) await setPauseCapability(qmp, true);
  try {
    const start = performance.now();
    await qmp.command('migrate', { uri: options.uri });
    let atSwitchover: PreflightResult | undefined;
    let guardMs: number | undefined;
    let progress: MigrationProgress | undefined;
    for (;;) {
      const info = await qmp.command<MigrationInfo>('query-migrate');
      const now = progressOf(info, performance.now() - start);
      if (info.ram !== undefined) progress = now;
      options.onProgress?.(now);
      const seenProgress = progress === undefined ? {} : { progress };
      if (info.status === 'pre-switchover' && atSwitchover === undefined) {
        const seen = performance.now();
        try {
          atSwitchover = await preflight(qmp, options.destination, asks);
        } catch (e) {
          await cancel(qmp, before.running, pollMs); // never leave the source stopped at the pause
          throw e;
        }
        if (atSwitchover.verdict === 'refused') {
          const { migration, source } = await cancel(qmp, before.running, pollMs);
          guardMs = performance.now() - seen;
          return {
            outcome: 'refused-at-switchover',
            ...withPre,
            atSwitchover,
            migration,
            ...seenProgress,
            source,
            guardMs,
          };
        }
        await qmp.command('migrate-continue', { state: 'pre-switchover' });
        guardMs = performance.now() - seen;
      } else if (info.status !== undefined && FINAL.has(info.status)) {
        const outcome = info.status as 'completed' | 'failed' | 'cancelled';
        const source = await runStatus(qmp);
        return {
          outcome,
          ...withPre,
          ...(atSwitchover === undefined ? {} : { atSwitchover }),
          migration: info,
          ...seenProgress,
          source,
          ...(guardMs === undefined ? {} : { guardMs }),
        };
      } else if (options.signal?.aborted) {
        const { migration, source } = await cancel(qmp, before.running, pollMs);
        return { outcome: 'cancelled', ...withPre, migration, ...seenProgress, source };
      }
      await sleep(pollMs);
    }
  } finally {
    if (!hadPause) await setPauseCapability(qmp, false).catch(() => undefined);
  }
}
