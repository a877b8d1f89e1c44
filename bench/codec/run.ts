/**
 * Benchmark (not a test): save and load of realistic device states with vmstate, beside the same
 * records encoded with avsc and with @bufbuild/protobuf, interleaved in one run. Prints a table
 * and writes bench/codec/results.json. See docs/bench.md for the method and how to read it.
 *
 *   npm run bench [-- --rounds 21 --batch-ms 40 --warmup-ms 400]
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { benchCases } from './cases.js';
import { lastResult, measure, type Task } from './measure.js';
import { type Operation, rows, summary, type TaskKey, table } from './report.js';
import { fdcRecords, uartRecords } from './samples.js';
import { verify } from './verify.js';

/** Distinct records per case, cycled while timing (a power of two: the index is masked). */
const POOL_SIZE = 32;
const MASK = POOL_SIZE - 1;

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '21' },
    'batch-ms': { type: 'string', default: '40' },
    'warmup-ms': { type: 'string', default: '400' },
    out: { type: 'string', default: new URL('./results.json', import.meta.url).pathname },
  },
});
const options = {
  rounds: Number(values.rounds),
  batchMs: Number(values['batch-ms']),
  warmupMs: Number(values['warmup-ms']),
};

const records = { uart: uartRecords(POOL_SIZE), fdc: fdcRecords(POOL_SIZE) };
const cases = benchCases(records.uart, records.fdc);
verify(cases, records);
console.log(`verified: ${cases.length} cases × ${POOL_SIZE} records round-trip with every contender`);

const keys: TaskKey[] = [];
const tasks: Task[] = [];
for (const bc of cases) {
  for (const op of ['save', 'load'] as Operation[]) {
    for (const c of bc.contenders) {
      const inputs = c.inputs;
      const encoded = inputs.map((s) => c.encode(s));
      keys.push({ case: bc.name, op, contender: c.name });
      tasks.push({
        group: `${bc.name}/${op}`,
        contender: c.name,
        op:
          op === 'save'
            ? (i) => c.encode(inputs[i & MASK])
            : (i) => c.decode(encoded[i & MASK] as Uint8Array),
      });
    }
  }
}

const started = Date.now();
const samples = measure(tasks, {
  ...options,
  onRound: (r) => process.stderr.write(`\rround ${r + 1}/${options.rounds}`),
});
process.stderr.write('\n');
void lastResult();

const all = rows(cases, keys, samples);
console.log(table(all));
const ratios = summary(all);
console.log('\nvmstate speed ÷ contender speed (median over rounds; > 1 means vmstate is faster):');
for (const [k, v] of Object.entries(ratios)) {
  console.log(
    `  ${k.padEnd(16)} ${Object.entries(v)
      .map(([n, x]) => `${n} ${x.toFixed(2)}`)
      .join('   ')}`,
  );
}

const cpus = os.cpus();
writeFileSync(
  values.out,
  `${JSON.stringify(
    {
      generatedAt: new Date().toISOString(),
      seconds: Math.round((Date.now() - started) / 1000),
      environment: {
        node: process.version,
        platform: `${os.platform()} ${os.arch()}`,
        cpu: cpus[0]?.model ?? 'unknown',
        cpus: cpus.length,
      },
      options: { ...options, poolSize: POOL_SIZE },
      cases: cases.map((c) => ({ name: c.name, description: c.description })),
      summary: ratios,
      rows: all,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${values.out}`);
