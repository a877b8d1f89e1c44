import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** QEMU's scripts, from Debian's source package (bench/peers/fetch.sh), and the real python3. */
export function peers(cacheDir: string): { python: string; analyze: string; checker: string } {
  const dir = execFileSync('bash', [join(import.meta.dirname, '../peers/fetch.sh')], {
    env: { ...process.env, VMSTATE_BENCH_CACHE: cacheDir },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  // The interpreter itself, not a pyenv shim in front of it (which adds ~90 ms to every start).
  const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
    encoding: 'utf8',
  }).trim();
  return {
    python,
    analyze: join(dir, 'analyze-migration.py'),
    checker: join(dir, 'vmstate-static-checker.py'),
  };
}

/**
 * The second real dump for the `check` row: QEMU 10.0's -dump-vmstate for pc-i440fx-7.2 (against
 * 7.2's, in test/vectors), when scripts/qemu-versions.sh installed 10.0; else the system QEMU's
 * for pc-q35-7.2.
 */
export function secondDump(cacheDir: string): { path: string; what: string } {
  mkdirSync(cacheDir, { recursive: true });
  const q10 = '/opt/vmstate-qemu/10.0/qemu-system-x86_64';
  const [bin, machine, what] = existsSync(q10)
    ? [q10, 'pc-i440fx-7.2', 'QEMU 10.0 pc-i440fx-7.2']
    : ['qemu-system-x86_64', 'pc-q35-7.2', 'QEMU 7.2 pc-q35-7.2'];
  const path = join(cacheDir, `dump-${what.replaceAll(/[^a-z0-9.-]+/gi, '_')}.json`);
  if (!existsSync(path)) {
    execFileSync(bin, ['-M', machine, '-display', 'none', '-dump-vmstate', path], { stdio: 'ignore' });
  }
  return { path, what };
}
