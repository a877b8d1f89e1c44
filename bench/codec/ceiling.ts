/**
 * Quick check of issue 14's codec targets on a busy machine (not a test): vmstate, the
 * hand-written DataView ceiling and avsc run `--ops` operations each in turn, `--rounds` rounds in
 * one process, and each task keeps its best round (a neighbour's load only adds time). Prints
 * best ns/state and the ratios the issue asks about: fdc save/load ÷ dataview, fdc-bytes load ÷ avsc.
 *
 *   npx tsx bench/codec/ceiling.ts [--rounds 40 --ops 1000 --cases uart,fdc,fdc-bytes --jitless]
 */
import { parseArgs } from 'node:util';
import { configure } from '../../src/index.js';
import { benchCases } from './cases.js';
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
}
const tasks: Task[] = [];
for (const bc of cases) {
  for (const c of bc.contenders) {
    if (!['vmstate', 'dataview', 'avsc'].includes(c.name)) continue;
    const inputs = c.inputs;
    const encoded = inputs.map((s) => c.encode(s));
    tasks.push({ key: `${bc.name} save ${c.name}`, run: (i) => c.encode(inputs[i & MASK]), best: Infinity });
    tasks.push({
      key: `${bc.name} load ${c.name}`,
      run: (i) => c.decode(encoded[i & MASK] as Uint8Array),
      best: Infinity,
    });
  }
}

let sink: unknown;
for (let round = 0; round < rounds; round++) {
  for (const t of tasks) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ops; i++) sink = t.run(i);
    const ns = Number(process.hrtime.bigint() - start) / ops;
    if (ns < t.best) t.best = ns;
  }
}
if (sink === Symbol.for('never')) console.log(sink);

const best = (key: string): number => tasks.find((t) => t.key === key)?.best ?? Number.NaN;
for (const t of tasks) console.log(`${t.key.padEnd(28)} ${t.best.toFixed(0).padStart(7)} ns`);
const ratio = (c: string, op: string, peer: string) =>
  best(`${c} ${op} ${peer}`) / best(`${c} ${op} vmstate`);
console.log('\nvmstate speed ÷ peer speed (best rounds):');
for (const c of wanted) {
  for (const op of ['save', 'load']) {
    console.log(
      `  ${`${c} ${op}`.padEnd(16)} dataview ${ratio(c, op, 'dataview').toFixed(2)}   avsc ${ratio(c, op, 'avsc').toFixed(2)}`,
    );
  }
}
