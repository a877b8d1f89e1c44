import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The CLI as it was at git `ref`, built the way that commit builds (its scripts/build.mjs if it
 * has one, else tsc), in a cache directory: "before" figures measured in the same run as "after".
 */
export function baselineCli(root: string, ref: string, cacheDir: string): string {
  const commit = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
  const dir = join(cacheDir, `baseline-${commit.slice(0, 12)}`);
  const bin = join(dir, 'dist/src/cli/bin.js');
  if (existsSync(bin)) return bin;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C ${JSON.stringify(dir)}`], { cwd: root });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const build = existsSync(join(dir, 'scripts/build.mjs'))
    ? [join(dir, 'scripts/build.mjs')]
    : [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'];
  execFileSync(process.execPath, build, { cwd: dir, stdio: 'inherit' });
  return bin;
}
