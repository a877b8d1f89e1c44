import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DestinationReport, SourceReport } from '../../src/migrate/index.js';
import type { Request } from './child.js';

/**
 * Live-migration benchmark (docs/migrate.md): two processes over loopback TCP.
 * 1. Throughput: a 1 GiB memory migrated (idle guest) vs a raw TCP copy of the same bytes between
 *    the same two processes, alternated, medians; the ratio is the result.
 * 2. Downtime at switch-over: idle vs a busy writer.
 * 3. Dirty rate vs convergence: passes, converged or not, expected and measured downtime.
 * Usage: npx tsx bench/migrate/run.ts [--size MiB] [--rounds N] [--json]
 */

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const SIZE = opt('--size', 1024) << 20;
const ROUNDS = opt('--rounds', 3);
const SMALL = Math.min(SIZE, 256 << 20);
const json = args.includes('--json');
const here = fileURLToPath(new URL('.', import.meta.url));
const childFile = `${here}child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`;

function spawn(): ChildProcess {
  return fork(childFile, [], {
    execArgv: [
      ...process.execArgv,
      '--max-old-space-size=4096',
      ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []),
    ],
  });
}

function next<T>(c: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (key in m) {
        c.off('message', on);
        resolve(m[key] as T);
      }
    };
    c.on('message', on);
  });
}

const ask = (c: ChildProcess, r: Request) => c.send(r);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const mibs = (bytes: number, ms: number) => bytes / (1 << 20) / (ms / 1000);

async function main(): Promise<void> {
  const dest = spawn();
  const src = spawn();
  ask(dest, { kind: 'listen' });
  const port = await next<number>(dest, 'port');

  async function raw(size: number): Promise<number> {
    ask(dest, { kind: 'expect', mode: 'raw', size });
    await next(dest, 'ready');
    ask(src, { kind: 'raw', port, size });
    const r = await next<{ ms: number; bytes: number }>(src, 'raw');
    return mibs(r.bytes, r.ms);
  }
  async function migrate(size: number, dirtyMiBs: number, downtimeMs = 300, checksum = true) {
    ask(dest, { kind: 'expect', mode: 'migrate', size });
    await next(dest, 'ready');
    const d = next<DestinationReport>(dest, 'destination');
    ask(src, { kind: 'migrate', port, size, dirtyMiBs, downtimeMs, checksum });
    const s = await next<SourceReport>(src, 'source');
    if (s.outcome !== 'completed') throw new Error(`migration ${s.outcome}: ${s.reason}`);
    return { s, d: await d };
  }

  // Raw copy and migrations alternate, so each ratio compares runs made under the same load.
  const rows: { raw: number; checked: number; unchecked: number; firstPass: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const raw0 = await raw(SIZE);
    const checked = await migrate(SIZE, 0);
    const unchecked = await migrate(SIZE, 0, 300, false);
    const raw1 = await raw(SIZE);
    const row = {
      raw: (raw0 + raw1) / 2,
      checked: mibs(SIZE, checked.s.durationMs),
      unchecked: mibs(SIZE, unchecked.s.durationMs),
      firstPass: checked.s.throughput / (1 << 20),
    };
    rows.push(row);
    if (!json) {
      console.error(
        `round ${i + 1}: raw ${row.raw.toFixed(0)} MiB/s, migration ${row.checked.toFixed(0)} MiB/s (CRC) / ${row.unchecked.toFixed(0)} MiB/s (no CRC) end to end`,
      );
    }
  }
  const throughput = {
    sizeMiB: SIZE >> 20,
    rawMiBs: median(rows.map((r) => r.raw)),
    migrationMiBs: median(rows.map((r) => r.checked)),
    uncheckedMiBs: median(rows.map((r) => r.unchecked)),
    firstPassMiBs: median(rows.map((r) => r.firstPass)),
    ratio: median(rows.map((r) => r.checked / r.raw)),
    uncheckedRatio: median(rows.map((r) => r.unchecked / r.raw)),
    rounds: rows,
  };

  const downtime: Record<string, unknown>[] = [];
  for (const [label, rate] of [
    ['idle', 0],
    ['busy (64 MiB/s)', 64],
  ] as const) {
    const { s } = await migrate(SMALL, rate);
    downtime.push({
      writer: label,
      dirtyMiBs: rate,
      downtimeMs: s.downtimeMs,
      expectedMs: s.expectedDowntimeMs,
      passes: s.iterations,
    });
  }
  const idleDown = downtime[0]?.downtimeMs as number;
  const busyDown = downtime[1]?.downtimeMs as number;

  const convergence: Record<string, unknown>[] = [];
  for (const rate of [0, 16, 64, 256, 1024]) {
    const { s } = await migrate(SMALL, rate, 100);
    convergence.push({
      dirtyMiBs: rate,
      measuredDirtyMiBs: s.dirtyRate / (1 << 20),
      passes: s.iterations,
      converged: s.converged,
      downtimeMs: s.downtimeMs,
      expectedMs: s.expectedDowntimeMs,
      bandwidthMiBs: s.throughput / (1 << 20),
      reason: s.convergence,
    });
  }
  const result = { throughput, downtime: { runs: downtime, busyOverIdle: busyDown / idleDown }, convergence };
  dest.disconnect();
  src.disconnect();
  if (json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  console.log(
    `throughput (${throughput.sizeMiB} MiB, medians of ${ROUNDS} rounds): raw TCP ${throughput.rawMiBs.toFixed(0)} MiB/s; ` +
      `migration ${throughput.migrationMiBs.toFixed(0)} MiB/s end to end with CRC (first pass ${throughput.firstPassMiBs.toFixed(0)}), ` +
      `${throughput.uncheckedMiBs.toFixed(0)} MiB/s without; ratio ${(throughput.ratio * 100).toFixed(0)}% with CRC, ` +
      `${(throughput.uncheckedRatio * 100).toFixed(0)}% without`,
  );
  for (const d of downtime)
    console.log(
      `downtime, ${d.writer}: ${(d.downtimeMs as number).toFixed(1)} ms (expected ${(d.expectedMs as number).toFixed(1)}), ${d.passes} passes`,
    );
  console.log(`busy / idle downtime: ${(busyDown / idleDown).toFixed(2)}×`);
  for (const c of convergence) {
    console.log(
      `dirty ${c.dirtyMiBs} MiB/s (measured ${(c.measuredDirtyMiBs as number).toFixed(0)}): ${c.passes} passes, ${c.converged ? 'converged' : 'did not converge'}, downtime ${(c.downtimeMs as number).toFixed(1)} ms (expected ${(c.expectedMs as number).toFixed(1)})`,
    );
  }
}

await main();
