/**
 * What a Node program can reach on the two big-stream rows of the speed bench (issue 14), measured
 * in one paired run beside the CLI and the peers, so a missed target can be told apart from a
 * target below Node's floor. A benchmark: it prints figures and asserts nothing.
 *
 *   npm run build && npx tsx bench/stream/floor.ts [--runs 9]
 *
 * File row (peer: analyze-migration.py): the CLI against `floor-read.mjs`, which only reads the
 * file in 1 MiB blocking reads (the least any reader of every byte does), and against one 8-byte
 * positional read per page record (seeking over the payloads instead of reading them).
 * Pipe row (floor: `cat | wc -c`): the CLI against the same bare reader on the pipe, and against
 * `node -e 0` followed by `wc -c` on the same pipe: Node's start-up, then the fastest reader there is.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median, paired, pairedRatio, type Run } from '../speed/measure.js';
import { peers } from '../speed/peers.js';
import { benchCache, builtCli, nodeWord, root, shellWord } from '../speed/setup.js';
import { bigStream } from './big-stream.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '9' } } });
const runs = Number(args.runs);
const q = shellWord;
const node = nodeWord;
const V = builtCli();
const cache = benchCache;
const bare = `${node} ${q(join(import.meta.dirname, 'floor-read.mjs'))}`;
const big = await bigStream(cache);
const BIG = q(big);
const peer = peers(cache);
const s = (rs: Run[]) => `${median(rs.map((r) => r.wall)).toFixed(3)} s`;

const file = [
  `${q(peer.python)} ${q(peer.analyze)} -f ${BIG}`,
  `${V} analyze ${BIG}`,
  `${bare} ${BIG}`,
  `${bare} ${BIG} --headers`,
];
const [py, cli, reads, seeks] = (await paired(file, runs, root)) as [Run[], Run[], Run[], Run[]];
const pipe = [
  `cat ${BIG} | wc -c`,
  `cat ${BIG} | ${V} analyze -`,
  `cat ${BIG} | ${bare} -`,
  `cat ${BIG} | (${node} -e 0; wc -c)`,
];
const [wc, cliPipe, barePipe, bootWc] = (await paired(pipe, runs, root)) as [Run[], Run[], Run[], Run[]];

const faster = (x: Run[]) => `${pairedRatio(py, x).toFixed(2)}× faster`;
const ofFloor = (x: Run[]) => `${(pairedRatio(wc, x) * 100).toFixed(0)}% of floor`;
const mib = (statSync(big).size / 2 ** 20).toFixed(0);
const lines = [
  `Node's floor on the ${mib} MiB stream, ${new Date().toISOString()}, Node ${process.version}, ${runs} paired runs, medians of wall time and of per-pair ratios.`,
  '',
  '| work | wall | figure |',
  '|---|---:|---|',
  `| analyze-migration.py -f FILE | ${s(py)} | the peer |`,
  `| vmstate analyze FILE | ${s(cli)} | ${faster(cli)} (target ≥ 2×) |`,
  `| node: 1 MiB reads of the whole file, nothing else | ${s(reads)} | ${faster(reads)} |`,
  `| node: one 8-byte positional read per 4104 bytes | ${s(seeks)} | ${faster(seeks)} |`,
  `| cat FILE \\| wc -c | ${s(wc)} | the floor |`,
  `| cat FILE \\| vmstate analyze - | ${s(cliPipe)} | ${ofFloor(cliPipe)} (target ≥ 85%) |`,
  `| cat FILE \\| node: 1 MiB reads, nothing else | ${s(barePipe)} | ${ofFloor(barePipe)} |`,
  `| cat FILE \\| (node -e 0; wc -c) | ${s(bootWc)} | ${ofFloor(bootWc)} |`,
];
process.stdout.write(`${lines.join('\n')}\n`);
