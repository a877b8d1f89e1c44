/**
 * `--wait-safe`: ask pre-flight again and again until the destination would load the VM's state,
 * spacing the asks so that the guest spends at most a set share of its time paused by them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DescriptionSet } from '../compat/index.js';
import { type PreflightOptions, type PreflightResult, preflight, type QmpLink } from './preflight.js';
import { layoutCache } from './preflight-vmdesc.js';

export interface PauseStats {
  readonly count: number;
  readonly medianMs: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly totalMs: number;
}

/** Median, 99th percentile (nearest rank), maximum and sum of pause samples. */
export function pauseStats(samples: readonly number[]): PauseStats {
  const s = [...samples].sort((a, b) => a - b);
  const rank = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? 0;
  return {
    count: s.length,
    medianMs: rank(0.5),
    p99Ms: rank(0.99),
    maxMs: s[s.length - 1] ?? 0,
    totalMs: s.reduce((a, b) => a + b, 0),
  };
}

export interface WaitSafeOptions extends PreflightOptions {
  /** Give up after this long, with the last reasons. */
  readonly forMs: number;
  /** Largest share of wall time the guest may spend paused by the asks (default 0.01: 1 %). */
  readonly pauseShare?: number;
  /** Shortest wait between two asks (default 100 ms). */
  readonly minIntervalMs?: number;
  /** Called after every ask. */
  readonly onAttempt?: (result: PreflightResult, attempt: number) => void;
  readonly signal?: AbortSignal;
}

export interface WaitSafeResult {
  /** The last answer: `loads`, or the reasons it still would not. */
  readonly final: PreflightResult;
  readonly attempts: number;
  readonly waitedMs: number;
  /** The pauses the asks caused (each an upper bound: the QMP round trip around the pause). */
  readonly pauses: PauseStats;
}

/** The wait after an ask that paused the guest for `pauseMs`, keeping pauses to `share` of the time. */
export function nextInterval(pauseMs: number, share: number, minIntervalMs: number): number {
  return Math.max(minIntervalMs, pauseMs / share - pauseMs);
}

/** Asks until the state would load or `forMs` has passed (at least one ask). */
export async function preflightUntilLoads(
  qmp: QmpLink,
  destination: DescriptionSet,
  options: WaitSafeOptions,
): Promise<WaitSafeResult> {
  const share = options.pauseShare ?? 0.01;
  if (!(share > 0 && share <= 1)) throw new RangeError(`pauseShare must be in (0, 1], got ${share}`);
  const start = performance.now();
  const pauses: number[] = [];
  const asks = { ...options, layouts: options.layouts ?? layoutCache() };
  for (let attempt = 1; ; attempt++) {
    const result = await preflight(qmp, destination, asks);
    pauses.push(result.pauseMs);
    options.onAttempt?.(result, attempt);
    const waited = performance.now() - start;
    const wait = nextInterval(result.pauseMs, share, options.minIntervalMs ?? 100);
    if (result.verdict === 'loads' || waited + wait > options.forMs || options.signal?.aborted) {
      return { final: result, attempts: attempt, waitedMs: waited, pauses: pauseStats(pauses) };
    }
    await sleep(wait, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
  }
}
