// build.mjs: the package build. `tsc` emits the library (dist/src/**, with types); then esbuild
// replaces the CLI entry, dist/src/cli/bin.js, with one bundle of the CLI and its dependencies, so
// that `vmstate --help` opens one file instead of dozens. Each command, and each heavy dependency
// behind a dynamic import() (progress bar, charts, fast-check), stays a chunk of its own under
// dist/src/cli/chunks/, loaded only when the command runs.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});

const outdir = join(root, 'dist/src/cli');
rmSync(join(outdir, 'chunks'), { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { bin: 'src/cli/bin.ts' },
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  allowOverwrite: true,
  metafile: true,
  legalComments: 'linked',
  // CommonJS dependencies (cli-progress, vega's) call require(): give the ESM bundle one.
  banner: {
    js: "import { createRequire as __vmstateRequire } from 'node:module'; const require = __vmstateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
console.log(`build: tsc → dist/, CLI bundle → dist/src/cli/bin.js + ${files.length - 1} lazy chunks`);
