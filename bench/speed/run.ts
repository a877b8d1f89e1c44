/**
 * The speed bench (issue 14): every row of the issue's table side by side in one run, as ratios
 * against a peer measured in the same run (paired, alternating runs), plus the peak RSS of every
 * command on the 514 MiB stream. A benchmark, not a test: it prints figures and never asserts a time.
 *
 *   npm run bench:all                               (builds dist/ first)
 *   npx tsx bench/speed/run.ts [--runs 7] [--big-runs 3] [--baseline REF] [--no-codec] [--out FILE]
 *
 * --baseline REF also times the CLI as it was at git REF (built in the cache) for before/after.
 * Peers: QEMU's analyze-migration.py and vmstate-static-checker.py from Debian's qemu source
 * package (bench/peers/fetch.sh), run with the real python3; `node -e 0`; `cat | wc -c`; base64.
 * Cache (scripts, the big stream, baseline builds): $VMSTATE_BENCH_CACHE or ~/.cache/vmstate-bench.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bigStream, smallStream } from '../stream/big-stream.js';
import { baselineCli } from './baseline.js';
import { median, paired, pairedRatio, type Run, runOnce } from './measure.js';
import { peers, secondDump } from './peers.js';
import { benchCache, builtCli, nodeWord, root, shellWord } from './setup.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    'big-runs': { type: 'string', default: '3' },
    baseline: { type: 'string' },
    'no-codec': { type: 'boolean', default: false },
    out: { type: 'string', default: join(import.meta.dirname, 'results.json') },
  },
});
const runs = Number(args.runs);
const bigRuns = Number(args['big-runs']);
const q = shellWord;
const node = nodeWord;
const V = builtCli('run `npm run build` first (npm run bench:all does)');
const cache = benchCache;
const B = args.baseline ? `${node} ${q(baselineCli(root, args.baseline, cache))}` : undefined;
const peer = peers(cache);
const PY = q(peer.python);
const big = await bigStream(cache);
const bigSize = statSync(big).size;
const dumpA = join(root, 'test/vectors/qemu-7.2/dump-pc-i440fx-7.2.json');
const dumpB = secondDump(cache);
const work = mkdtempSync(join(tmpdir(), 'vmstate-speed-'));
const small = q(smallStream);
const BIG = q(big);

interface Row {
  readonly work: string;
  readonly vmstate: number;
  readonly peerName: string;
  readonly peer: number;
  readonly before?: number;
  /** The row's figure of merit, as the issue states it, and its target. */
  readonly figure: string;
  readonly target: string;
  readonly met: boolean;
  readonly beforeFigure?: string;
}
const rows: Row[] = [];
const med = (rs: readonly Run[]) => median(rs.map((r) => r.wall));
const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
const x = (r: number) => `${r.toFixed(2)}×`;
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Runs vmstate, the peer, (the baseline), and more, paired; returns their runs in that order. */
async function measure(name: string, n: number, cmds: readonly (string | undefined)[]): Promise<Run[][]> {
  log(`· ${name} (${n} paired runs)`);
  const list = cmds.filter((c): c is string => c !== undefined);
  const res = await paired(list, n, root);
  const out: Run[][] = [];
  let k = 0;
  for (const c of cmds) out.push(c === undefined ? [] : (res[k++] as Run[]));
  return out;
}

// 1. Start-up: analyze of the 380 KB stream, and --help, against analyze-migration.py and node -e 0.
{
  const [vm, py, floor, help, before, beforeHelp] = (await measure('start-up', runs, [
    `${V} analyze ${small}`,
    `${PY} ${q(peer.analyze)} -f ${small}`,
    `${node} -e 0`,
    `${V} --help`,
    B && `${B} analyze ${small}`,
    B && `${B} --help`,
  ])) as Run[][] as [Run[], Run[], Run[], Run[], Run[], Run[]];
  const over = median(vm.map((r, i) => r.wall - (floor[i] as Run).wall));
  const helpOver = median(help.map((r, i) => r.wall - (floor[i] as Run).wall));
  const beforeOver = B ? median(before.map((r, i) => r.wall - (floor[i] as Run).wall)) : undefined;
  rows.push({
    work: 'analyze pc-paused (380 KB)',
    vmstate: med(vm),
    peerName: 'analyze-migration.py',
    peer: med(py),
    ...(B ? { before: med(before) } : {}),
    figure: `${x(pairedRatio(vm, py))} of its time; node -e 0 + ${ms(over)} (floor ${ms(med(floor))})`,
    target: 'faster than it, within 15 ms of node -e 0',
    met: pairedRatio(vm, py) < 1 && over <= 0.015,
    ...(B
      ? { beforeFigure: `${x(pairedRatio(before, py))} of its time; node -e 0 + ${ms(beforeOver as number)}` }
      : {}),
  });
  const bh = B ? median(beforeHelp.map((r, i) => r.wall - (floor[i] as Run).wall)) : undefined;
  rows.push({
    work: 'vmstate --help',
    vmstate: med(help),
    peerName: 'node -e 0',
    peer: med(floor),
    ...(B ? { before: med(beforeHelp) } : {}),
    figure: `node -e 0 + ${ms(helpOver)}`,
    target: 'within 15 ms of node -e 0',
    met: helpOver <= 0.015,
    ...(bh === undefined ? {} : { beforeFigure: `node -e 0 + ${ms(bh)}` }),
  });
}

// 2. The 514 MiB stream from a file.
{
  const [vm, py, before] = (await measure('analyze 514 MiB file', bigRuns, [
    `${V} analyze ${BIG}`,
    `${PY} ${q(peer.analyze)} -f ${BIG}`,
    B && `${B} analyze ${BIG}`,
  ])) as [Run[], Run[], Run[]];
  const r = pairedRatio(py, vm);
  rows.push({
    work: `analyze ${(bigSize / 2 ** 20).toFixed(0)} MiB stream from a file`,
    vmstate: med(vm),
    peerName: 'analyze-migration.py',
    peer: med(py),
    ...(B ? { before: med(before), beforeFigure: `${x(pairedRatio(py, before))} faster` } : {}),
    figure: `${x(r)} faster`,
    target: '≥ 2× faster',
    met: r >= 2,
  });
}

// 3. The same stream from a pipe, against the pipe's own speed (cat | wc -c).
{
  const [vm, floor, before] = (await measure('analyze - from a pipe', bigRuns, [
    `cat ${BIG} | ${V} analyze -`,
    `cat ${BIG} | wc -c`,
    B && `cat ${BIG} | ${B} analyze -`,
  ])) as [Run[], Run[], Run[]];
  const gbs = (rs: Run[]) => bigSize / 1e9 / med(rs);
  const r = pairedRatio(floor, vm);
  rows.push({
    work: 'analyze - from a pipe, GB/s',
    vmstate: gbs(vm),
    peerName: 'cat | wc -c',
    peer: gbs(floor),
    ...(B
      ? { before: gbs(before), beforeFigure: `${(pairedRatio(floor, before) * 100).toFixed(0)}% of floor` }
      : {}),
    figure: `${(r * 100).toFixed(0)}% of floor`,
    target: '≥ 85% of floor',
    met: r >= 0.85,
  });
}

// 4. check: two real dumps.
{
  const [vm, py, before] = (await measure('check', runs, [
    `${V} check ${q(dumpA)} ${q(dumpB.path)}`,
    `${PY} ${q(peer.checker)} -s ${q(dumpA)} -d ${q(dumpB.path)}`,
    B && `${B} check ${q(dumpA)} ${q(dumpB.path)}`,
  ])) as [Run[], Run[], Run[]];
  const r = pairedRatio(vm, py);
  rows.push({
    work: `check QEMU 7.2 pc-i440fx-7.2 vs ${dumpB.what} dumps`,
    vmstate: med(vm),
    peerName: 'vmstate-static-checker.py',
    peer: med(py),
    ...(B ? { before: med(before), beforeFigure: `${x(pairedRatio(before, py))} its time` } : {}),
    figure: `${x(r)} its time`,
    target: '≤ 1.1× its time',
    met: r <= 1.1,
  });
}

// 5. Lossless round trip of the big stream, against base64 + base64 -d.
const rss: { command: string; wall: number; rss: number; code: number }[] = [];
{
  const doc = q(join(work, 'doc.json'));
  const back = q(join(work, 'back.mig'));
  const trip = (cli: string) =>
    `${cli} analyze --lossless ${BIG} > ${doc} && ${cli} assemble ${doc} -o ${back}`;
  const b64 = `base64 ${BIG} > ${q(join(work, 'b.txt'))} && base64 -d ${q(join(work, 'b.txt'))} > ${q(join(work, 'b.bin'))}`;
  const [vm, peerRuns, before] = (await measure('lossless round trip', bigRuns, [
    trip(V),
    b64,
    B && trip(B),
  ])) as [Run[], Run[], Run[]];
  await runOnce(trip(V), root);
  execFileSync('cmp', [big, join(work, 'back.mig')]);
  const r = pairedRatio(vm, peerRuns);
  rows.push({
    work: 'lossless round trip (analyze --lossless, assemble), 514 MiB',
    vmstate: med(vm),
    peerName: 'base64 + base64 -d',
    peer: med(peerRuns),
    ...(B ? { before: med(before), beforeFigure: `${x(pairedRatio(before, peerRuns))} its time` } : {}),
    figure: `${x(r)} its time (round trip byte-identical)`,
    target: '≤ 1.5× its time',
    met: r <= 1.5,
  });
}

// 6. Peak RSS of every command that takes a stream, on the big stream (one run each), from a file
// and from a pipe. The module target (`--from/--to module.ts#release`) is the only version set in
// the tree (test/stream/fixtures/ctrl-versions.ts): none describes the 7.2 PC's devices, so every
// section passes unchanged; the row measures the two passes and tsx loading the module.
{
  log('· peak RSS on the 514 MiB stream');
  const doc = q(join(work, 'doc.json'));
  const out = q(join(work, 'out.mig'));
  const pipe = `cat ${BIG} |`;
  const mod = q(join(root, 'test/stream/fixtures/ctrl-versions.ts'));
  const modules = `--from ${mod}#2.0 --to ${mod}#1.0`;
  const dump = q(dumpA);
  const commands: [string, string][] = [
    ['analyze FILE', `${V} analyze ${BIG}`],
    ['analyze - (pipe)', `${pipe} ${V} analyze -`],
    ['analyze --summary', `${V} analyze --summary ${BIG}`],
    ['analyze --summary - (pipe)', `${pipe} ${V} analyze --summary -`],
    ['analyze --desc', `${V} analyze --desc ${BIG}`],
    ['analyze --desc - (pipe)', `${pipe} ${V} analyze --desc -`],
    ['analyze --lossless - (pipe)', `${pipe} ${V} analyze --lossless - > ${doc}`],
    ['analyze --lossless', `${V} analyze --lossless ${BIG} > ${doc}`],
    ['assemble', `${V} assemble ${doc} -o ${out}`],
    ['assemble - (pipe)', `cat ${doc} | ${V} assemble - -o -`],
    [
      'analyze --extract',
      `rm -rf ${q(join(work, 'x'))} && ${V} analyze --extract ${q(join(work, 'x'))} ${BIG}`,
    ],
    [
      'analyze --extract - (pipe)',
      `rm -rf ${q(join(work, 'x'))} && ${pipe} ${V} analyze --extract ${q(join(work, 'x'))} -`,
    ],
    ['analyze --memory', `${V} analyze --memory ${BIG}`],
    ['analyze --memory - (pipe)', `${pipe} ${V} analyze --memory -`],
    ['convert --to 7.2 dump -o FILE', `${V} convert ${BIG} --to ${dump} -o ${out}`],
    ['convert --to 7.2 dump -o -', `${V} convert ${BIG} --to ${dump} -o - > /dev/null`],
    ['convert --to 7.2 dump --dry-run', `${V} convert ${BIG} --to ${dump} --dry-run`],
    ['convert - --to 7.2 dump -o FILE (pipe)', `${pipe} ${V} convert - --to ${dump} -o ${out}`],
    ['convert - --to 7.2 dump -o - (pipe)', `${pipe} ${V} convert - --to ${dump} -o - > /dev/null`],
    ['convert - --to 7.2 dump --dry-run (pipe)', `${pipe} ${V} convert - --to ${dump} --dry-run`],
    ['convert --to module#release -o FILE', `${V} convert ${BIG} ${modules} -o ${out}`],
    ['convert - --to module#release -o - (pipe)', `${pipe} ${V} convert - ${modules} -o - > /dev/null`],
    ['check STREAM DUMP', `${V} check ${BIG} ${dump}`],
    ['check STREAM DUMP --json', `${V} check ${BIG} ${dump} --json`],
    ['check - DUMP (pipe)', `${pipe} ${V} check - ${dump}`],
    ['check - DUMP --json (pipe)', `${pipe} ${V} check - ${dump} --json`],
  ];
  for (const [name, cmd] of commands) {
    try {
      const r = await runOnce(cmd, root);
      rss.push({ command: name, wall: r.wall, rss: r.rss, code: r.code });
    } catch (e) {
      rss.push({
        command: `${name} (failed: ${String(e).split('\n')[0]})`,
        wall: Number.NaN,
        rss: Number.NaN,
        code: -1,
      });
    }
  }
}
rmSync(work, { recursive: true, force: true });

// Report.
const fmt = (row: Row, v: number) =>
  row.work.includes('GB/s') ? `${v.toFixed(2)} GB/s` : `${v.toFixed(3)} s`;
const lines = [
  `Speed bench, ${new Date().toISOString()}: Node ${process.version}, ${runs} paired runs (${bigRuns} for the 514 MiB rows), medians; ratios are medians of per-pair ratios.`,
  '',
  `| work | vmstate | peer | ${B ? `before (${args.baseline}) | before: figure | ` : ''}figure | target | met |`,
  `|---|---:|---|${B ? '---:|---|' : ''}---|---|---|`,
  ...rows.map(
    (r) =>
      `| ${r.work} | ${fmt(r, r.vmstate)} | ${r.peerName} ${fmt(r, r.peer)} | ${B ? `${r.before === undefined ? '' : fmt(r, r.before)} | ${r.beforeFigure ?? ''} | ` : ''}${r.figure} | ${r.target} | ${r.met ? 'yes' : '**no**'} |`,
  ),
  '',
  `Peak RSS on the ${(bigSize / 2 ** 20).toFixed(0)} MiB stream (target < 150 MB):`,
  '',
  '| command | wall | peak RSS | < 150 MB |',
  '|---|---:|---:|---|',
  ...rss.map(
    (r) =>
      `| ${r.command} | ${r.wall.toFixed(2)} s | ${(r.rss / 1e6).toFixed(0)} MB | ${r.rss < 150e6 ? 'yes' : '**no**'} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
writeFileSync(
  args.out,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, runs, bigRuns, baseline: args.baseline, rows, rss }, null, 2)}\n`,
);

// 7. The codec rows: bench/codec's own side-by-side run (its table, its ratios).
if (!args['no-codec']) {
  log('· codec (bench/codec/run.ts)');
  execFileSync(process.execPath, ['--import', 'tsx', join(root, 'bench/codec/run.ts')], {
    cwd: root,
    stdio: 'inherit',
  });
}
