/**
 * Quick check of issue 14's codec targets on a busy machine (not a test): vmstate, the
 * hand-written DataView ceiling and avsc run `--ops` operations each in turn, `--rounds` rounds in
 * one process, and each task keeps its best round (a neighbour's load only adds time). Prints
 * best ns/state and the ratios the issue asks about (fdc save/load ÷ dataview, fdc-bytes load ÷ avsc),
 * from the best rounds and as the median of the ratios paired within each round.
 *
 *   npx tsx bench/codec/ceiling.ts [--rounds 40 --ops 1000 --cases uart,fdc,fdc-bytes --jitless]
 */
import { parseArgs } from 'node:util';
import { configure } from '../../src/index.js';
import { benchCases } from './cases.js';
import { median } from './measure.js';
import { fdcRecords, uartRecords } from './samples.js';
import { verify } from './verify.js';

const POOL = 32;
const MASK = POOL - 1;
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '40' },
    ops: { type: 'string', default: '1000' },
    /** Comma-separated case names (default: all, in one process as `npm run bench` does). */
    cases: { type: 'string', default: 'uart,fdc,fdc-bytes' },
    /** Run vmstate interpreted (configure({ jitless: true })), to see what generated code buys. */
    jitless: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const ops = Number(values.ops);

configure({ jitless: values.jitless });
const records = { uart: uartRecords(POOL), fdc: fdcRecords(POOL) };
const wanted = new Set(values.cases.split(','));
const cases = benchCases(records.uart, records.fdc).filter((c) => wanted.has(c.name));
verify(cases, records);

interface Task {
  readonly key: string;
  readonly run: (i: number) => unknown;
  best: number;
  /** ns/operation of every round, for ratios paired within a round. */
  readonly rounds: number[];
}
const tasks: Task[] = [];
for (const bc of cases) {
  for (const c of bc.contenders) {
    if (!['vmstate', 'dataview', 'avsc'].includes(c.name)) continue;
    const inputs = c.inputs;
    const encoded = inputs.map((s) => c.encode(s));
    tasks.push({
      key: `${bc.name} save ${c.name}`,
      run: (i) => c.encode(inputs[i & MASK]),
      best: Infinity,
      rounds: [],
    });
    tasks.push({
      key: `${bc.name} load ${c.name}`,
      run: (i) => c.decode(encoded[i & MASK] as Uint8Array),
      best: Infinity,
      rounds: [],
    });
  }
}

let sink: unknown;
for (let round = 0; round < rounds; round++) {
  for (const t of tasks) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ops; i++) sink = t.run(i);
    const ns = Number(process.hrtime.bigint() - start) / ops;
    t.rounds.push(ns);
    if (ns < t.best) t.best = ns;
  }
}
if (sink === Symbol.for('never')) console.log(sink);

const task = (key: string): Task | undefined => tasks.find((t) => t.key === key);
for (const t of tasks) console.log(`${t.key.padEnd(28)} ${t.best.toFixed(0).padStart(7)} ns`);
/** Peer time ÷ vmstate time: from the best rounds, and the median of the ratios within each round. */
function ratios(c: string, op: string, peer: string): string {
  const mine = task(`${c} ${op} vmstate`);
  const theirs = task(`${c} ${op} ${peer}`);
  if (!mine || !theirs) return 'n/a';
  const paired = mine.rounds.map((ns, k) => (theirs.rounds[k] as number) / ns);
  return `${(theirs.best / mine.best).toFixed(2)} (median ${median(paired).toFixed(2)})`;
}
console.log('\nvmstate speed ÷ peer speed (best rounds; median of the per-round ratios):');
for (const c of wanted) {
  for (const op of ['save', 'load']) {
    console.log(
      `  ${`${c} ${op}`.padEnd(16)} dataview ${ratios(c, op, 'dataview')}   avsc ${ratios(c, op, 'avsc')}`,
    );
  }
}
