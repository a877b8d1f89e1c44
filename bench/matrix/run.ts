/**
 * Benchmark: the migration matrix on 5 versions × 3 machine types (test/lab/fixtures/timerdev.ts),
 * against a baseline measured in the same run: plain `save` + `load` of the same generated states,
 * once per migration hop the matrix performs. Reported as a ratio; no timed assertions.
 *
 *   npx tsx bench/matrix/run.ts [runs]
 */
import fc from 'fast-check';
import { initial, load, save } from '../../src/codec/index.js';
import { arbitraryForVersion, canMigrate, defineVersions, runMatrix } from '../../src/compat/lab/index.js';
import { buffer, defineMachines, field, uint8, vmsd } from '../../src/describe/index.js';
import { timerdev } from '../../test/lab/fixtures/timerdev.js';

const runs = Number(process.argv[2] ?? 100);
const seed = 42;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function time(f: () => void, repeat = 5): number {
  f(); // warm-up: compile plans, JIT
  const out: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    f();
    out.push(performance.now() - t);
  }
  return median(out);
}

const report = runMatrix(timerdev, { runs, seed });
const hops = [...report.pairs, ...report.chains].reduce((n, c) => n + (c.route.length - 1) * runs, 0);

// The same states the matrix draws, saved and loaded by each source version, `hops` times in all.
const states = timerdev.versions.flatMap((v) =>
  v.machines.map((machine) => {
    const ctx = timerdev.machines.context(machine);
    const sample = fc.sample(
      arbitraryForVersion(v, {
        ctx,
        machineDefaults: timerdev.machines.defaults,
        switchesOff: timerdev.switchesOff ?? [],
      }),
      {
        numRuns: runs,
        seed,
      },
    );
    return { v, ctx, sample };
  }),
);
const perState = Math.max(1, Math.round(hops / states.reduce((n, s) => n + s.sample.length, 0)));
const baseline = time(() => {
  for (const { v, ctx, sample } of states) {
    for (const state of sample) {
      for (let k = 0; k < perState; k++) {
        for (const s of v.sections) {
          const own = state[s.key] as never;
          load(s.vmsd, save(s.vmsd, own, { ctx }), { ctx });
        }
      }
    }
  }
});

const full = time(() => runMatrix(timerdev, { runs, seed }), 3);
const noShrink = time(() => runMatrix(timerdev, { runs, seed, shrink: false }), 3);
const pairsOnly = time(() => runMatrix(timerdev, { runs, seed, chains: false, shrink: false }), 3);

const cells = report.pairs.length + report.chains.length;
console.log(
  `matrix: ${timerdev.versions.length} versions × ${timerdev.machines.names.length} machine types, ${runs} states per cell`,
);
console.log(
  `  ${report.pairs.length} pairs + ${report.chains.length} chains = ${cells} cells, ${hops} migration hops`,
);
console.log(
  `  baseline (plain save+load, ${states.length * runs * perState} round trips): ${baseline.toFixed(0)} ms`,
);
console.log(
  `  full matrix (chains, shrinking):  ${full.toFixed(0)} ms  = ${(full / baseline).toFixed(1)}× baseline`,
);
console.log(
  `  without shrinking:                ${noShrink.toFixed(0)} ms  = ${(noShrink / baseline).toFixed(1)}× baseline`,
);
console.log(
  `  pairs only, without shrinking:    ${pairsOnly.toFixed(0)} ms  = ${(pairsOnly / baseline).toFixed(1)}× baseline`,
);

// Pre-flight: canMigrate on a device with 1 MiB of bulk data, against one `save` of the same state.
// It walks the descriptions and never serializes, so its cost does not grow with the buffer.
const one = defineMachines({ types: [{ name: 'm' }] });
const ram = (version: number) =>
  vmsd('ram', { version, fields: [field('ctrl', uint8), field('bytes', buffer(1 << 20))] });
const ramA = ram(1);
const ramSet = defineVersions({
  machines: one,
  versions: [
    { name: 'a', sections: [ramA], machines: ['m'] },
    { name: 'b', sections: [ram(2)], machines: ['m'] },
  ],
});
const ramState = { ram: initial(ramA) };
const route = { from: ramSet.version('a'), to: ramSet.version('b'), ctx: one.context('m') };
const oneSave = time(() => {
  for (let i = 0; i < 20; i++) save(ramA, ramState.ram);
});
const preflight = time(() => {
  for (let i = 0; i < 20; i++) canMigrate(ramState, route);
});
console.log(
  `pre-flight, 1 MiB device: canMigrate ${(preflight / 20).toFixed(3)} ms = ${(preflight / oneSave).toFixed(3)}× one save (${(oneSave / 20).toFixed(2)} ms)`,
);
