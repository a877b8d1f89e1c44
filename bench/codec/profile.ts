/**
 * Runs one contender's save or load in a loop, for a CPU profile of just that work:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/vmstate-prof --import tsx bench/codec/profile.ts fdc load [seconds] [contender]
 *   npx tsx bench/codec/profile-summary.ts /tmp/vmstate-prof/<file>.cpuprofile
 */
import { benchCases } from './cases.js';
import { fdcRecords, uartRecords } from './samples.js';

const [caseName = 'fdc', op = 'load', seconds = '5', who = 'vmstate'] = process.argv.slice(2);
const bc = benchCases(uartRecords(32), fdcRecords(32)).find((c) => c.name === caseName);
const c = bc?.contenders.find((x) => x.name === who);
if (!bc || !c) throw new Error(`no contender ${who} in case ${caseName}`);
const encoded = c.inputs.map((s) => c.encode(s));
const until = performance.now() + Number(seconds) * 1000;
let n = 0;
let sink: unknown;
while (performance.now() < until) {
  for (let i = 0; i < 256; i++, n++) {
    sink = op === 'save' ? c.encode(c.inputs[n & 31]) : c.decode(encoded[n & 31] as Uint8Array);
  }
}
console.log(
  `${caseName} ${op} ${who}: ${n} operations, ${((Number(seconds) * 1e9) / n).toFixed(0)} ns each`,
  typeof sink,
);
