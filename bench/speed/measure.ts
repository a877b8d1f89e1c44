import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One finished run of a shell command: wall seconds (measured here) and peak RSS (the kernel's). */
export interface Run {
  readonly wall: number;
  /** Peak resident set of the largest single process of the command, in bytes (GNU time's %M). */
  readonly rss: number;
  readonly code: number;
}

const timeFile = join(tmpdir(), `vmstate-bench-time-${process.pid}`);

/**
 * Runs `shell` under `sh -c`, wrapped in GNU time for the peak RSS (the maximum over the processes
 * the shell waited for, so `cat F | node …` reports node's). Output goes to /dev/null unless the
 * command redirects it itself.
 */
export function runOnce(shell: string, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, 'sh', '-c', shell], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 4000) stderr += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - started) / 1e9;
      let kb = Number.NaN;
      try {
        kb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
        rmSync(timeFile, { force: true });
      } catch {
        /* reported as NaN */
      }
      // A negative answer is an answer (vmstate-static-checker.py exits with its error count);
      // a signal, vmstate's internal error (70) or a shell failure (126+) is not.
      if (code === null || code === 70 || code >= 126) {
        reject(new Error(`exit ${code}: ${shell}\n${stderr}`));
        return;
      }
      resolve({ wall, rss: kb * 1024, code: code ?? -1 });
    });
  });
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

/** Paired runs: after one untimed warm-up each, A B C … in turn, `runs` times, order rotating. */
export async function paired(commands: readonly string[], runs: number, cwd: string): Promise<Run[][]> {
  for (const c of commands) await runOnce(c, cwd);
  const out: Run[][] = commands.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (let k = 0; k < commands.length; k++) {
      const j = (k + i) % commands.length;
      (out[j] as Run[]).push(await runOnce(commands[j] as string, cwd));
    }
  }
  return out;
}

/** Median over pairs of a[i] / b[i] (pairing cancels most of a shared machine's drift). */
export function pairedRatio(
  a: readonly Run[],
  b: readonly Run[],
  f: (r: Run) => number = (r) => r.wall,
): number {
  return median(a.map((r, i) => f(r) / f(b[i] as Run)));
}
