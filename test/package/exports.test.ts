import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * What a user installs is `dist/`, reached through package.json's `exports` and `bin`, not the
 * TypeScript sources the other tests import. Build it once and use it the way a consumer would.
 */
const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  exports: Record<string, { types: string; default: string }>;
};

/** Imports `specifier` by the package's own name (Node's self-reference) and lists its exports. */
const exportsOf = async (specifier: string): Promise<string[]> => {
  const script = `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m)));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
  return JSON.parse(stdout) as string[];
};

describe('the built package', () => {
  beforeAll(async () => {
    await run(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: root,
      },
    );
  }, 180_000);

  it.each(Object.keys(pkg.exports))('exports %s with its public names', async (subpath) => {
    const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
    const names = await exportsOf(specifier);
    const expected: Record<string, string[]> = {
      '.': ['vmsd', 'field', 'save', 'load', 'MigrationError', 'readStream', 'defineMachines'],
      './wire': ['Reader', 'Writer'],
      './describe': ['vmsd', 'field', 'defineMachines'],
      './codec': ['save', 'load'],
      './stream': ['readStream', 'fromVmdescBody'],
      './errors': ['MigrationError'],
      './compat': ['checkCompatibility', 'canMigrate', 'defineVersions', 'importUserModule'],
      './lab': ['defineVersions', 'canMigrate', 'arbitraryFor', 'runLab', 'expectMigrationsSafe'],
      './migrate': ['migrateSource', 'MigrationDestination', 'TrackedMemory', 'memoryPair', 'socketDuplex'],
      './qemu': ['startVm', 'saveStream', 'loadStream', 'QmpClient', 'requireQemu', 'ltimGuest'],
    };
    expect(expected[subpath], `no expectation written for ${subpath}`).toBeDefined();
    expect(names).toEqual(expect.arrayContaining(expected[subpath] ?? []));
  });

  it('runs the vmstate bin and lists every command', async () => {
    const bin = pkg.bin.vmstate;
    expect(bin).toBeDefined();
    const { stdout } = await run(process.execPath, [join(root, bin ?? ''), '--help'], { cwd: root });
    for (const command of ['analyze', 'assemble', 'convert', 'check', 'dump', 'matrix', 'demo']) {
      expect(stdout).toContain(command);
    }
  });
});
