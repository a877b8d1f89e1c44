import { saveTo, save } from '../../src/index.js';
import { Writer } from '../../src/wire/index.js';
import { benchCases } from './cases.js';
import { fdcRecords, uartRecords } from './samples.js';
import { fdcVmsdArray } from './vmstate.js';
const bc = benchCases(uartRecords(32), fdcRecords(32)).find((c) => c.name === 'fdc');
const vm = bc!.contenders[0]!; const dv = bc!.contenders[1]!;
const w = new Writer(4096);
let sink: unknown;
const ops: Record<string, (i: number) => unknown> = {
  save: (i) => save(fdcVmsdArray, vm.inputs[i & 31] as never),
  saveTo: (i) => { w.reset(); saveTo(fdcVmsdArray, w, vm.inputs[i & 31] as never); return w; },
  alloc: () => new Uint8Array(593),
  dataview: (i) => dv.encode(dv.inputs[i & 31]),
};
const best: Record<string, number> = {};
for (let r = 0; r < 200; r++) for (const [name, op] of Object.entries(ops)) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) sink = op(i);
  best[name] = Math.min(best[name] ?? Infinity, Number(process.hrtime.bigint() - t) / 1000);
}
console.log(best, typeof sink);
