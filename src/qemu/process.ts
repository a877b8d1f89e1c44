/**
 * Bookkeeping for the QEMU processes this library starts. Every child is tracked: a process
 * `exit` hook SIGKILLs any that a failing caller left behind and removes their temp dirs. Only
 * processes started here are ever signalled (by their own ChildProcess handle, never by name).
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { rmSync } from 'node:fs';

const live = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

export function track(child: ChildProcess, dir: string | undefined): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) {
        if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      }
      for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  live.add(child);
  if (dir !== undefined) liveDirs.add(dir);
}

export function untrack(child: ChildProcess, dir: string | undefined): void {
  live.delete(child);
  if (dir !== undefined) {
    liveDirs.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves with the first of `p` or `undefined` after `ms` (the timer is always cleared). */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((res) => {
    timer = setTimeout(() => res(undefined), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Keeps the first `max` characters a stream writes (QEMU's stderr carries its load errors). */
export function collect(
  stream: {
    setEncoding(encoding: 'utf8'): unknown;
    on(event: 'data', listener: (chunk: string) => void): unknown;
  } | null,
  max = 64 * 1024,
): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    if (text.length < max) text += chunk.slice(0, max - text.length);
  });
  return () => text;
}

/** Runs a short-lived command (bounded, SIGKILL on timeout); rejects naming the command and its stderr. */
export function runTracked(
  bin: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = execFile(
      bin,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, cwd: '/' },
      (error, stdout, stderr) => {
        untrack(child, undefined);
        if (error) {
          rej(new Error(`${bin} ${args.join(' ')} failed: ${error.message}; stderr: ${stderr.trim()}`));
        } else {
          res({ stdout, stderr });
        }
      },
    );
    track(child, undefined);
  });
}
