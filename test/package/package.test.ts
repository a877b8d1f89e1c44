import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The package as a user meets it: `npm pack` (prepack builds dist/), the tarball installed into clean
 * projects. `core`: `--omit=dev`, nothing else (the codec user). `app`: plus typescript and tsx from
 * the registry (offline-first: the npm cache usually has them), default `tsc` settings for a Node
 * ESM project, no `@types/node`, `skipLibCheck: false`.
 */
const root = resolve(import.meta.dirname, '..', '..');
const consumer = join(import.meta.dirname, 'consumer');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};
const MB = 1024 * 1024;
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
// A cold npm cache, or a machine busy with the rest of the suite, makes these slow: generous but bounded.
const STEP_TIMEOUT = 300_000;

const work = mkdtempSync(join(tmpdir(), 'vmstate-package-'));
const core = join(work, 'core');
const app = join(work, 'app');
let tarball = '';

function npm(cwd: string, args: readonly string[]): string {
  return execFileSync('npm', [...args], { cwd, encoding: 'utf8', timeout: STEP_TIMEOUT, stdio: 'pipe' });
}

function project(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
}

/** Bytes on disk (blocks, as `du` counts them), the figure the size target is about. */
function diskBytes(dir: string): number {
  return Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0]) * 1024;
}

function run(cwd: string, command: string, args: readonly string[]) {
  const r = spawnSync(command, [...args], { cwd, encoding: 'utf8', timeout: STEP_TIMEOUT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const packed = npm(root, ['pack', '--json', '--pack-destination', work, '--loglevel=error']);
  const [info] = JSON.parse(packed.slice(packed.indexOf('['))) as { filename: string }[];
  tarball = join(work, (info as { filename: string }).filename);
  project(core);
  npm(core, ['install', '--omit=dev', ...NPM_FLAGS, tarball]);
  project(app);
  const dev = pkg.devDependencies;
  npm(app, ['install', ...NPM_FLAGS, tarball, `typescript@${dev.typescript}`, `tsx@${dev.tsx}`]);
  for (const f of ['program.ts', 'versions.ts']) copyFileSync(join(consumer, f), join(app, f));
  copyFileSync(join(consumer, 'versions.ts'), join(core, 'versions.ts'));
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2022',
        module: 'nodenext',
        strict: true,
        skipLibCheck: false,
        outDir: 'out',
      },
      files: ['program.ts'],
    }),
  );
}, 4 * STEP_TIMEOUT);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package', () => {
  it('installs alone, in at most 3 MB on disk, for a codec user', () => {
    expect(readdirSync(join(core, 'node_modules')).filter((n) => !n.startsWith('.'))).toEqual(['vmstate']);
    const size = diskBytes(join(core, 'node_modules'));
    console.log(`package: --omit=dev install is ${(size / MB).toFixed(2)} MiB on disk`);
    expect(size).toBeLessThanOrEqual(3 * MB);
  });

  it('ships LICENSE, no source maps, and a library that never imports CLI-only packages', () => {
    const installed = join(core, 'node_modules', 'vmstate');
    expect(readdirSync(installed)).toContain('LICENSE');
    const files = readdirSync(join(installed, 'dist'), { recursive: true, encoding: 'utf8' });
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    const library = files.filter((f) => f.endsWith('.js') && !f.startsWith('src/cli/'));
    expect(library.length).toBeGreaterThan(50);
    for (const f of library) {
      const text = readFileSync(join(installed, 'dist', f), 'utf8');
      expect(text, f).not.toMatch(/from '(commander|cli-progress|picocolors)'/);
    }
  });

  it('vmstate/compat loads without fast-check; vmstate/lab says to install it', () => {
    const compat = run(core, process.execPath, [
      '-e',
      "import('vmstate/compat').then(m => console.log(typeof m.checkCompatibility))",
    ]);
    expect(compat.stderr).toBe('');
    expect(compat.stdout.trim()).toBe('function');
    const lab = run(core, process.execPath, ['-e', "import('vmstate/lab')"]);
    expect(lab.status).not.toBe(0);
    expect(lab.stderr).toContain('npm install fast-check');
  });

  it('its types stand alone: a program using every entry point type-checks and runs', () => {
    expect(readdirSync(join(app, 'node_modules'))).not.toContain('@types');
    const tsc = run(app, process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', '.']);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    const out = run(app, process.execPath, ['out/program.js']);
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toEqual({
      bytes: 3,
      back: 300,
      word: 0xbeef,
      refused: true,
      versions: 2,
      findings: expect.any(Number),
      devices: 0,
      protocol: 1,
      qemu: '5.2',
      same: true,
    });
  });

  it('the installed CLI runs `matrix versions.ts` through tsx, and says how to get tsx without it', () => {
    const withTsx = run(app, 'npx', [
      '--no-install',
      'vmstate',
      'matrix',
      'versions.ts',
      '--runs',
      '20',
      '--json',
    ]);
    expect(withTsx.stderr).toBe('');
    expect([0, 1]).toContain(withTsx.status);
    const report = JSON.parse(withTsx.stdout) as { matrix: { versions: string[] } };
    expect(report.matrix.versions).toEqual(['1', '2']);

    // The charts' packages are optional peers too: asked for by name when a report needs them.
    const charts = run(app, 'npx', [
      '--no-install',
      'vmstate',
      'matrix',
      'versions.ts',
      '--runs',
      '5',
      '--html',
      'r.html',
    ]);
    expect(charts.status).toBe(2);
    expect(charts.stderr).toContain('npm install vega');
    expect(readdirSync(app)).not.toContain('r.html');

    const without = run(core, 'npx', ['--no-install', 'vmstate', 'matrix', 'versions.ts']);
    expect(without.status).toBe(2);
    expect(without.stdout).toBe('');
    expect(without.stderr).toContain('versions.ts');
    expect(without.stderr).toContain('npm install tsx');
  });
});
