/**
 * Benchmark: `vmstate check` on QEMU 7.2's full -dump-vmstate (pc-i440fx-7.2, 213 device classes,
 * 790 kB), against a baseline measured in the same run: `JSON.parse` of the same file text.
 * Reported as ratios; no timed assertions.
 *
 *   npx tsx bench/check/run.ts [repeats]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCompatibility, fromDumpVmstate, type VmstateDumpJson } from '../../src/compat/index.js';

const repeats = Number(process.argv[2] ?? 30);
const file = join(import.meta.dirname, '../../test/vectors/qemu-7.2/dump-pc-i440fx-7.2.json');
const text = readFileSync(file, 'utf8');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function time(f: () => void): number {
  for (let i = 0; i < 3; i++) f(); // warm-up: JIT
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    f();
    out.push(performance.now() - t);
  }
  return median(out);
}

type Section = { Description: { Fields?: { field: string }[]; Subsections?: unknown[] } };

/** Every section edited: its first field renamed, its last removed, its subsections dropped. */
function edited(): VmstateDumpJson {
  const json = JSON.parse(text) as Record<string, Section>;
  for (const [key, section] of Object.entries(json)) {
    if (key === 'vmschkmachine') continue;
    const fields = section.Description.Fields ?? [];
    if (fields[0]) fields[0].field = `${fields[0].field}_renamed`;
    if (fields.length > 1) fields.pop();
    delete section.Description.Subsections;
  }
  return json as unknown as VmstateDumpJson;
}

/** Every field of every section renamed: the alignment works on whole field lists. */
function allRenamed(): VmstateDumpJson {
  const json = JSON.parse(text) as Record<string, Section>;
  for (const [key, section] of Object.entries(json)) {
    if (key === 'vmschkmachine') continue;
    for (const f of section.Description.Fields ?? []) f.field = `${f.field}_x`;
  }
  return json as unknown as VmstateDumpJson;
}

const parse = time(() => JSON.parse(text));
const a = fromDumpVmstate(JSON.parse(text), 'a');
const b = fromDumpVmstate(JSON.parse(text), 'b');
const normalize = time(() => fromDumpVmstate(JSON.parse(text), 'a'));
const self = time(() => checkCompatibility(a, b));
const pipeline = time(() =>
  checkCompatibility(fromDumpVmstate(JSON.parse(text), 'a'), fromDumpVmstate(JSON.parse(text), 'b')),
);
const e = fromDumpVmstate(edited(), 'edited');
const changed = time(() => checkCompatibility(a, e));
const r = fromDumpVmstate(allRenamed(), 'renamed');
const renamed = time(() => checkCompatibility(a, r));

const findings = (x: ReturnType<typeof checkCompatibility>) => x.findings.length;
const ratio = (ms: number) => `${(ms / parse).toFixed(2)}× JSON.parse`;
console.log(
  `check: QEMU 7.2 -dump-vmstate, ${a.sections.size} sections, ${(text.length / 1024).toFixed(0)} KiB`,
);
console.log(`  baseline JSON.parse of the file:                 ${parse.toFixed(2)} ms`);
console.log(
  `  parse + normalize one dump:                      ${normalize.toFixed(2)} ms = ${ratio(normalize)}`,
);
console.log(`  check a dump against itself (both directions):   ${self.toFixed(2)} ms = ${ratio(self)}`);
console.log(
  `  whole pipeline, 2 parses + 2 normalizes + check: ${pipeline.toFixed(2)} ms = ${ratio(pipeline)}`,
);
console.log(
  `  check against a copy with every section edited:  ${changed.toFixed(2)} ms = ${ratio(changed)} (${findings(checkCompatibility(a, e))} findings)`,
);
console.log(
  `  check against a copy with every field renamed:   ${renamed.toFixed(2)} ms = ${ratio(renamed)} (${findings(checkCompatibility(a, r))} findings)`,
);
