// build.mjs: the package build (also `prepack`). `tsc` emits the library (dist/src/**, with types,
// no source maps: the sources are not shipped); then esbuild replaces the CLI, dist/src/cli/, with
// one bundle of the CLI and its dependencies (commander, cli-progress, picocolors, fast-check: hence
// devDependencies), so that `vmstate --help` opens one file instead of dozens. Each command, and each
// heavy dependency behind a dynamic import(), stays a chunk of its own under dist/src/cli/chunks/,
// loaded only when the command runs. The optional peers vega, vega-lite (charts) and tsx (.ts
// modules) stay outside: the user installs them, and src/compat/base/load-module.ts says so.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// A clean dist/: whatever an older build left there would be packed too.
rmSync(join(root, 'dist'), { recursive: true, force: true });
// Two passes: declarations keep their doc comments (users' editors show them); the JavaScript drops
// all comments, which nothing reads at run time (about 290 KB of the install, issue 16's 3 MB cap).
const tsc = (...flags) =>
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', ...flags],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
tsc('--emitDeclarationOnly');
tsc('--declaration', 'false', '--removeComments');

const outdir = join(root, 'dist/src/cli');
// The library never imports the CLI or the demo's model (src/demo, which only the CLI uses): their
// tsc output is replaced by the bundle as a whole.
rmSync(outdir, { recursive: true, force: true });
rmSync(join(root, 'dist/src/demo'), { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  // The live demo forks live-child.js beside the chunk that imports it.
  // `check A.json B.json`, the run compared with QEMU's checker, is an entry of its own: the entry
  // imports it without commander or the command table (src/cli/check-dumps.ts).
  entryPoints: {
    bin: 'src/cli/bin.ts',
    'check-dumps': 'src/cli/check-dumps.ts',
    'chunks/live-child': 'src/demo/live-child.ts',
  },
  external: ['vega', 'vega-lite', 'tsx', 'tsx/*'],
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
  sourcemap: false,
  // Whitespace and syntax only: names stay readable in stack traces (there are no maps).
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: true,
  keepNames: true,
  // CommonJS dependencies (cli-progress, vega's) call require(): give the ESM bundle one.
  banner: {
    js: "import { createRequire as __vmstateRequire } from 'node:module'; const require = __vmstateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
console.log(`build: tsc → dist/, CLI bundle → dist/src/cli/bin.js + ${files.length - 1} lazy chunks`);
