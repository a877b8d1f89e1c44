import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The repository's root (bench files sit two folders down). */
export const root = join(import.meta.dirname, '../..');

/** Where the benches keep QEMU's scripts, the big stream and baseline builds. */
export const benchCache = process.env.VMSTATE_BENCH_CACHE ?? join(homedir(), '.cache/vmstate-bench');

/** A word for `sh -c`: single-quoted, with any single quote escaped. */
export const shellWord = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** This Node, as a shell word. */
export const nodeWord = shellWord(process.execPath);

/** The built CLI as a shell command prefix; refuses to run a bench on a missing build. */
export function builtCli(hint = 'run `npm run build` first'): string {
  const bin = join(root, 'dist/src/cli/bin.js');
  if (!existsSync(bin)) throw new Error(`no dist/: ${hint}`);
  return `${nodeWord} ${shellWord(bin)}`;
}
