import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { HostReply, HostRequest } from './live-child.js';
import type { ProfileName } from './workloads.js';

/**
 * `vmstate demo --live`: the floppy machine with a big memory, driven by a workload, migrated
 * live back and forth between two processes over TCP on 127.0.0.1: host A runs release v2a,
 * host B release v1 (machine type pc-2.3, which both run), so A → B is the backward migration and
 * B → A the forward one. Every other backward attempt is started at a moment the controller's
 * phase is not prevalent, which the pre-flight must refuse before the copy; the others at a
 * prevalent moment (live-host.ts: the verdict never depends on pacing). After each migration
 * both hosts are asked whether they run; the destination's digest of memory, CPU and DMA RAM must
 * equal the source's at the pause. Throughput is compared with a raw TCP copy of the same bytes
 * between the same processes, in the same run.
 */

export interface LiveOptions {
  readonly seed?: number;
  readonly migrations?: number;
  readonly memoryMiB?: number;
  readonly profile?: ProfileName;
  readonly downtimeMs?: number;
  readonly onProgress?: (done: number, total: number, what: string) => void;
}

export interface LiveRun {
  readonly from: string;
  readonly to: string;
  readonly direction: 'forward' | 'backward';
  /** The state the pre-flight read was non-prevalent (read from it, not from what was asked). */
  readonly startedNotPrevalent: boolean;
  readonly outcome: 'completed' | 'refused' | 'aborted';
  readonly reason?: string;
  readonly passes: number;
  readonly downtimeMs?: number;
  readonly MiBs?: number;
  readonly stateEqual?: boolean;
}

export interface LiveReport {
  readonly migrations: number;
  readonly completed: number;
  readonly refused: number;
  readonly aborted: number;
  readonly lost: number;
  readonly bothRunning: number;
  readonly noneRunning: number;
  /** Median pause (source paused → destination's ack) over completed migrations. */
  readonly downtimeMs: number | null;
  /** Median migration throughput (memory bytes / whole migration) over the raw TCP copy's. */
  readonly throughputRatio: number | null;
  readonly memoryMiB: number;
  readonly rawMiBs: number;
  readonly migrationMiBs: number | null;
  readonly runs: readonly LiveRun[];
}

interface Host {
  readonly name: 'A' | 'B';
  readonly release: 'v2a' | 'v1';
  readonly proc: ChildProcess;
  port: number;
}

function next<K extends HostReply['kind']>(h: Host, kind: K): Promise<Extract<HostReply, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const on = (m: HostReply) => {
      if (m.kind !== kind) return;
      h.proc.off('message', on);
      h.proc.off('exit', gone);
      resolve(m as Extract<HostReply, { kind: K }>);
    };
    const gone = () => reject(new Error(`host ${h.name} exited`));
    h.proc.on('message', on);
    h.proc.once('exit', gone);
  });
}

const ask = (h: Host, r: HostRequest) => h.proc.send(r);
const median = (xs: readonly number[]): number | null =>
  xs.length === 0 ? null : ([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number);

/** The host script next to this one, and the Node flags to run it (TypeScript sources need tsx). */
function childCommand(): { file: string; execArgv: string[] } {
  const ts = import.meta.url.endsWith('.ts');
  const file = fileURLToPath(new URL(`./live-child.${ts ? 'ts' : 'js'}`, import.meta.url));
  const hasTsx = process.execArgv.some((a) => a.includes('tsx'));
  return { file, execArgv: ts && !hasTsx ? [...process.execArgv, '--import', 'tsx'] : process.execArgv };
}

/** Raw TCP throughput (MiB/s) of sending `size` bytes from one host to the other. */
async function rawThroughput(from: Host, to: Host, size: number, memoryMiB: number): Promise<number> {
  ask(to, { kind: 'raw-expect', size });
  await next(to, 'expecting');
  ask(from, { kind: 'raw-send', port: to.port, size });
  const { ms } = await next(from, 'raw');
  return memoryMiB / (ms / 1000);
}

/** One live migration from holder to target, and both hosts' status afterwards. */
async function migrateOnce(
  holder: Host,
  target: Host,
  o: { notPrevalent: boolean; downtimeMs: number; memoryMiB: number; backward: boolean },
) {
  ask(target, { kind: 'expect' });
  await next(target, 'expecting');
  const dest = next(target, 'destination');
  ask(holder, { kind: 'migrate', port: target.port, notPrevalent: o.notPrevalent, downtimeMs: o.downtimeMs });
  const src = await next(holder, 'source');
  const dst = await dest;
  const statuses = await Promise.all(
    [holder, target].map(async (h) => {
      ask(h, { kind: 'status' });
      return (await next(h, 'status')).status;
    }),
  );
  const running = statuses.filter((s) => s === 'running').length;
  const r = src.report;
  const stateEqual =
    r.outcome === 'completed' ? src.digest !== undefined && src.digest === dst.digest : undefined;
  const run: LiveRun = {
    from: `${holder.name} (${holder.release})`,
    to: `${target.name} (${target.release})`,
    direction: o.backward ? 'backward' : 'forward',
    startedNotPrevalent: src.notPrevalent,
    outcome: r.outcome,
    ...(r.reason === undefined ? {} : { reason: r.reason }),
    passes: r.iterations,
    ...(r.downtimeMs === undefined ? {} : { downtimeMs: r.downtimeMs }),
    ...(r.outcome === 'completed' ? { MiBs: o.memoryMiB / (r.durationMs / 1000) } : {}),
    ...(stateEqual === undefined ? {} : { stateEqual }),
  };
  return { run, running, statuses, r };
}

function summarize(
  runs: LiveRun[],
  t: {
    lost: number;
    bothRunning: number;
    noneRunning: number;
    memoryMiB: number;
    rawMiBs: number;
    migrationMiBs: number | null;
  },
): LiveReport {
  const count = (o: LiveRun['outcome']) => runs.filter((r) => r.outcome === o).length;
  return {
    migrations: runs.length,
    completed: count('completed'),
    refused: count('refused'),
    aborted: count('aborted'),
    lost: t.lost,
    bothRunning: t.bothRunning,
    noneRunning: t.noneRunning,
    downtimeMs: median(
      runs.flatMap((r) => (r.outcome === 'completed' && r.downtimeMs !== undefined ? [r.downtimeMs] : [])),
    ),
    throughputRatio: t.migrationMiBs === null || t.rawMiBs === 0 ? null : t.migrationMiBs / t.rawMiBs,
    memoryMiB: t.memoryMiB,
    rawMiBs: t.rawMiBs,
    migrationMiBs: t.migrationMiBs,
    runs,
  };
}

export async function runLiveDemo(options: LiveOptions = {}): Promise<LiveReport> {
  const seed = options.seed ?? 1;
  const total = options.migrations ?? 6;
  const memoryMiB = options.memoryMiB ?? 64;
  const size = memoryMiB << 20;
  const downtimeMs = options.downtimeMs ?? 300;
  const guest = { seed, profile: options.profile ?? 'irq', sectors: 400, memoryBytes: size } as const;
  const { file, execArgv } = childCommand();
  const spawn = (name: 'A' | 'B', release: 'v2a' | 'v1'): Host => ({
    name,
    release,
    proc: fork(file, [], { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
    port: 0,
  });
  const a = spawn('A', 'v2a');
  const b = spawn('B', 'v1');
  try {
    for (const h of [a, b]) {
      ask(h, { kind: 'init', guest: { ...guest, release: h.release }, boot: h === a });
      h.port = (await next(h, 'ready')).port;
    }
    const raw = (from: Host, to: Host) => rawThroughput(from, to, size, memoryMiB);
    const rawRuns: number[] = [await raw(a, b)];
    options.onProgress?.(0, total, 'raw TCP baseline');

    const runs: LiveRun[] = [];
    let holder = a;
    let backwardAttempts = 0;
    let bothRunning = 0;
    let noneRunning = 0;
    let lost = 0;
    for (let i = 0; i < total; i++) {
      const target = holder === a ? b : a;
      const backward = holder === a;
      const notPrevalent = backward && backwardAttempts++ % 2 === 1;
      const { run, running, statuses, r } = await migrateOnce(holder, target, {
        notPrevalent,
        downtimeMs,
        memoryMiB,
        backward,
      });
      if (running === 2) bothRunning++;
      if (running === 0) noneRunning++;
      if (running === 0 || run.stateEqual === false) lost++;
      runs.push(run);
      if (r.outcome === 'completed' && statuses[1] === 'running') holder = target;
      options.onProgress?.(i + 1, total, `${runs.at(-1)?.from} → ${runs.at(-1)?.to}: ${r.outcome}`);
    }
    rawRuns.push(await raw(holder, holder === a ? b : a));
    const rawMiBs = (median(rawRuns) ?? 0) as number;
    const migrationMiBs = median(runs.flatMap((r) => (r.MiBs === undefined ? [] : [r.MiBs])));
    return summarize(runs, { lost, bothRunning, noneRunning, memoryMiB, rawMiBs, migrationMiBs });
  } finally {
    a.proc.disconnect();
    b.proc.disconnect();
  }
}

const f1 = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toFixed(1));

export function formatLiveText(r: LiveReport): string {
  const lines = [
    `live migration of the floppy machine with ${r.memoryMiB} MiB of memory between two processes over TCP (127.0.0.1)`,
    '',
    ...r.runs.map(
      (x, i) =>
        `${String(i + 1).padStart(2)}. ${x.from} → ${x.to} ${x.direction.padEnd(8)} ${x.outcome.padEnd(9)} ` +
        (x.outcome === 'completed'
          ? `${x.passes} passes, downtime ${f1(x.downtimeMs)} ms, ${f1(x.MiBs)} MiB/s, state ${x.stateEqual ? 'equal' : 'DIFFERENT'}`
          : `${x.startedNotPrevalent ? '(started in a non-prevalent state) ' : ''}${x.reason ?? ''}`),
    ),
    '',
    `migrations ${r.migrations}: completed ${r.completed}, refused ${r.refused}, aborted ${r.aborted}`,
    `lost ${r.lost}, both running ${r.bothRunning}, none running ${r.noneRunning}`,
    `downtime (median) ${f1(r.downtimeMs)} ms; throughput ${f1(r.migrationMiBs)} MiB/s vs raw TCP ${f1(r.rawMiBs)} MiB/s: ratio ${r.throughputRatio === null ? '—' : `${(r.throughputRatio * 100).toFixed(0)}%`}`,
  ];
  return `${lines.join('\n')}\n`;
}
