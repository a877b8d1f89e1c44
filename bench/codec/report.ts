import type { BenchCase } from './contender.js';
import { median, quantile, type Samples } from './measure.js';

export type Operation = 'save' | 'load';

export interface Spread {
  median: number;
  q1: number;
  q3: number;
}

export interface Row {
  case: string;
  op: Operation;
  contender: string;
  /** Mean encoded size of a record in this contender's format. */
  bytes: number;
  nsPerOp: Spread;
  statesPerSec: number;
  /** Of this contender's own encoded bytes (1 MB = 10^6 bytes). */
  mbPerSec: number;
  /** vmstate's speed ÷ this contender's, per round (> 1: vmstate is faster); absent for vmstate. */
  vmstateRatio?: Spread;
}

export interface TaskKey {
  case: string;
  op: Operation;
  contender: string;
}

function spread(xs: readonly number[]): Spread {
  return { median: median(xs), q1: quantile(xs, 0.25), q3: quantile(xs, 0.75) };
}

/** Rows from the raw samples; ratios pair each contender's batch with vmstate's of the same round. */
export function rows(cases: readonly BenchCase[], keys: readonly TaskKey[], samples: Samples): Row[] {
  const sizes = new Map<string, number>();
  for (const bc of cases) {
    for (const c of bc.contenders) {
      const total = c.inputs.reduce<number>((n, s) => n + c.encode(s).length, 0);
      sizes.set(`${bc.name}/${c.name}`, total / c.inputs.length);
    }
  }
  const index = (k: TaskKey) =>
    keys.findIndex((x) => x.case === k.case && x.op === k.op && x.contender === k.contender);
  return keys.map((k, i) => {
    const own = samples[i] as number[];
    const base = samples[index({ ...k, contender: 'vmstate' })] as number[];
    const ns = spread(own);
    const bytes = sizes.get(`${k.case}/${k.contender}`) as number;
    const statesPerSec = 1e9 / ns.median;
    const row: Row = { ...k, bytes, nsPerOp: ns, statesPerSec, mbPerSec: (bytes * statesPerSec) / 1e6 };
    if (k.contender !== 'vmstate') row.vmstateRatio = spread(own.map((t, r) => t / (base[r] as number)));
    return row;
  });
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

function fmtRate(perSec: number): string {
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(2)} M`;
  return `${(perSec / 1e3).toFixed(0)} k`;
}

/** The table printed by `npm run bench` (and pasted into docs/bench.md). */
export function table(all: readonly Row[]): string {
  const head = ['case', 'op', 'contender', 'bytes', 'ns/state', 'states/s', 'MB/s', 'vmstate÷x', '(IQR)'];
  const widths = [10, 5, 14, 6, 9, 9, 8, 10, 13];
  const line = (cells: string[]) =>
    cells
      .map((c, i) => pad(c, widths[i] as number, i >= 3))
      .join('  ')
      .trimEnd();
  const out = [line(head), line(widths.map((w) => '-'.repeat(w)))];
  for (const r of all) {
    const ratio = r.vmstateRatio;
    out.push(
      line([
        r.case,
        r.op,
        r.contender,
        r.bytes.toFixed(0),
        r.nsPerOp.median.toFixed(0),
        fmtRate(r.statesPerSec),
        r.mbPerSec.toFixed(1),
        ratio ? `${ratio.median.toFixed(2)}×` : '—',
        ratio ? `${ratio.q1.toFixed(2)}–${ratio.q3.toFixed(2)}` : '',
      ]),
    );
  }
  return out.join('\n');
}

/** "vmstate/avsc" etc. per case and operation: the figures the issue asks for. */
export function summary(all: readonly Row[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const r of all) {
    if (!r.vmstateRatio) continue;
    const key = `${r.case} ${r.op}`;
    out[key] ??= {};
    (out[key] as Record<string, number>)[`vmstate/${r.contender}`] = Number(r.vmstateRatio.median.toFixed(3));
  }
  return out;
}
