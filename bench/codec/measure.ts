/**
 * A hand-rolled interleaved timer. Every (case, operation) group times its contenders back to
 * back in each round, in an order that rotates from round to round, so slow drifts of a shared
 * machine (other tenants, frequency changes, GC debt) fall on all of them alike. Ratios are
 * taken within a round — between batches run a few milliseconds apart — and the median over
 * rounds is reported.
 */

export interface Task {
  readonly group: string;
  readonly contender: string;
  /** One operation on the i-th input of the pool. */
  readonly op: (i: number) => unknown;
}

export interface MeasureOptions {
  rounds: number;
  /** Target wall time of one timed batch. */
  batchMs: number;
  /** Untimed running per task before calibration, so every contender is JIT-compiled. */
  warmupMs: number;
  onRound?: (round: number) => void;
}

/** Per task (same order as given): nanoseconds per operation, one value per round. */
export type Samples = number[][];

/** Results go here so the JIT cannot discard the work. */
let sink: unknown;
export function lastResult(): unknown {
  return sink;
}

function runBatch(op: (i: number) => unknown, n: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink = op(i);
  return Number(process.hrtime.bigint() - start);
}

function runFor(op: (i: number) => unknown, ms: number): number {
  const until = performance.now() + ms;
  let n = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 64; i++) sink = op(n + i);
    n += 64;
  }
  return n;
}

/** Operations per batch so that one batch takes about `batchMs`. */
function calibrate(op: (i: number) => unknown, batchMs: number): number {
  let n = 16;
  for (;;) {
    const ns = runBatch(op, n);
    if (ns >= batchMs * 1e6 * 0.25 || n >= 1 << 26) return Math.max(16, Math.round((n * batchMs * 1e6) / ns));
    n *= 4;
  }
}

function rotated<T>(xs: readonly T[], by: number): T[] {
  const k = by % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

export function measure(tasks: readonly Task[], options: MeasureOptions): Samples {
  // Warm up in two interleaved passes: a later contender's JIT work must not land in a timed batch.
  for (let pass = 0; pass < 2; pass++) for (const t of tasks) runFor(t.op, options.warmupMs / 2);
  const sizes = tasks.map((t) => calibrate(t.op, options.batchMs));
  const samples: Samples = tasks.map(() => []);
  const groups = [...new Set(tasks.map((t) => t.group))];
  for (let round = 0; round < options.rounds; round++) {
    for (const g of groups) {
      const members = tasks.flatMap((t, i) => (t.group === g ? [i] : []));
      for (const i of rotated(members, round)) {
        const n = sizes[i] as number;
        (samples[i] as number[]).push(runBatch((tasks[i] as Task).op, n) / n);
      }
    }
    options.onRound?.(round);
  }
  return samples;
}

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (at - lo);
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);
