/**
 * `npm run mutate`: mutation testing of chosen behaviours. Each mutant is one small change to one
 * file (a named mutation, or an operator applied at one place of a chosen region); the suite
 * "kills" it when the tests that cover the file fail. Runs in a copy of the checkout (the tree you
 * work in is never modified), one vitest process per mutant, and prints the score.
 *
 *   npm run mutate                # every mutant
 *   npm run mutate -- --named     # only the named mutations (issue 15's six, and friends)
 *   npm run mutate -- --json out  # also write the results as JSON
 *
 * Stryker was not used: its vitest runner instruments the whole project per run, which on this
 * shared 2-CPU machine takes longer than running the few tests that cover each mutant.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

interface Named {
  readonly name: string;
  readonly file: string;
  readonly from: string;
  readonly to: string;
  readonly tests: readonly string[];
}

interface Region {
  readonly file: string;
  /** Only text between the first `start` and the next `end` (default: the whole file) is mutated. */
  readonly start?: string;
  readonly end?: string;
  readonly tests: readonly string[];
}

/** Operators: each applies at one occurrence at a time. */
const OPERATORS: readonly { readonly name: string; readonly find: RegExp; readonly replace: string }[] = [
  { name: '=== true → !== true', find: /=== true/g, replace: '!== true' },
  { name: '!== → ===', find: / !== /g, replace: ' === ' },
  { name: '=== → !==', find: / === /g, replace: ' !== ' },
  { name: '&& → ||', find: / && /g, replace: ' || ' },
  { name: '|| → &&', find: / \|\| /g, replace: ' && ' },
  { name: '> 0 → >= 0', find: / > 0\b/g, replace: ' >= 0' },
  { name: 'if (!x) → if (x)', find: /if \(!/g, replace: 'if (' },
  { name: 'return true → return false', find: /return true;/g, replace: 'return false;' },
  { name: 'continue → (nothing)', find: /\bcontinue;/g, replace: ';' },
];

const LAB = [
  'src/compat/lab/predicates.test.ts',
  'src/compat/lab/honesty.test.ts',
  'src/compat/lab/prevalence.test.ts',
  'src/compat/lab/preflight.test.ts',
  'src/compat/lab/matrix.test.ts',
  'src/compat/lab/arbitrary.test.ts',
];

/** The behaviours issue 15 found unguarded: each must be killed. */
const NAMED: readonly Named[] = [
  {
    name: 'honesty: section-level needed() ignored',
    file: 'src/compat/lab/honesty.ts',
    from: 'if (sectionNeeded(desc, x, ctx)) return { needed: true };',
    to: 'return { needed: true };',
    tests: ['src/compat/lab/honesty.test.ts'],
  },
  {
    name: 'prevalence: section-level needed() ignored',
    file: 'src/compat/lab/predicates.ts',
    from: '    if (!sent) return;\n',
    to: '\n',
    tests: ['src/compat/lab/prevalence.test.ts'],
  },
  {
    name: 'prevalence: destinations not filtered by machine type',
    file: 'src/compat/lab/prevalence.ts',
    from: '.filter((v) => v !== source && v.machines.includes(trace.machine))',
    to: '.filter((v) => v !== source)',
    tests: ['src/compat/lab/prevalence.test.ts'],
  },
  {
    name: 'demo: wrong-data never detected',
    file: 'src/demo/run.ts',
    from: "if (a.get(op) !== data) symptoms.add('wrong-data');",
    to: ';',
    tests: ['src/demo/run.test.ts'],
  },
  {
    name: 'demo: corrupted-disk never detected',
    file: 'src/demo/run.ts',
    from: "if (differentSectors > 0) symptoms.add('corrupted-disk');",
    to: ';',
    tests: ['src/demo/run.test.ts'],
  },
  {
    name: '--allow-loss: no :: boundary (one matcher for every converter)',
    file: 'src/stream/convert/report.ts',
    from: `path.startsWith(\`\${a}::\`)`,
    to: 'path.startsWith(a)',
    tests: ['test/stream/allow-loss.test.ts'],
  },
  {
    name: 'generator: machine gates freeze state again (every property switches a feature off)',
    file: 'src/compat/lab/arbitrary.ts',
    from: 'b.switchesOff.includes(p) && ',
    to: '',
    tests: ['test/lab/fdc-lab.test.ts'],
  },
  {
    name: 'heat map: chains never colour a pair',
    file: 'src/compat/lab/text.ts',
    from: "  if (chains.length > 0) return { outcome: 'unsafe', label: 'chain UNSAFE', chains, dishonest };",
    to: '',
    tests: ['test/lab/fdc-lab.test.ts'],
  },
  {
    name: 'codec: a nested subsection is sent without its member',
    file: 'src/codec/presence.ts',
    from: "    if (member === null || typeof member !== 'object') return false;",
    to: '',
    tests: ['src/codec/presence.test.ts'],
  },
];

const REGIONS: readonly Region[] = [
  { file: 'src/codec/presence.ts', tests: ['src/codec/presence.test.ts'] },
  { file: 'src/compat/lab/predicates.ts', end: 'export class CoverageCounter', tests: LAB },
  {
    file: 'src/compat/lab/honesty.ts',
    start: 'function judgeSubsection',
    end: 'function safely',
    tests: LAB,
  },
  {
    file: 'src/compat/lab/prevalence.ts',
    start: 'export function prevalence(',
    end: 'function risk(',
    tests: ['src/compat/lab/prevalence.test.ts'],
  },
  {
    file: 'src/demo/run.ts',
    start: 'export function compareRuns',
    tests: ['src/demo/run.test.ts'],
  },
];

interface Mutant {
  readonly id: string;
  readonly file: string;
  readonly description: string;
  readonly source: string;
  readonly tests: readonly string[];
  readonly named: boolean;
}

function operatorMutants(root: string, r: Region): Mutant[] {
  const text = readFileSync(join(root, r.file), 'utf8');
  const lo = r.start === undefined ? 0 : text.indexOf(r.start);
  if (lo < 0) throw new Error(`${r.file}: region start not found: ${r.start}`);
  const hiAt = r.end === undefined ? -1 : text.indexOf(r.end, lo);
  const hi = hiAt < 0 ? text.length : hiAt;
  const out: Mutant[] = [];
  for (const op of OPERATORS) {
    for (const m of text.slice(lo, hi).matchAll(op.find)) {
      const at = lo + (m.index ?? 0);
      const line = text.slice(0, at).split('\n').length;
      out.push({
        id: `${r.file}:${line}:${op.name}`,
        file: r.file,
        description: `${op.name} at line ${line}: ${text.split('\n')[line - 1]?.trim()}`,
        source: text.slice(0, at) + m[0].replace(op.find, op.replace) + text.slice(at + m[0].length),
        tests: r.tests,
        named: false,
      });
    }
  }
  return out;
}

function namedMutants(root: string): Mutant[] {
  return NAMED.map((n) => {
    const text = readFileSync(join(root, n.file), 'utf8');
    if (!text.includes(n.from)) throw new Error(`${n.name}: "${n.from}" not found in ${n.file}`);
    return {
      id: n.name,
      file: n.file,
      description: n.name,
      source: text.replace(n.from, n.to),
      tests: n.tests,
      named: true,
    };
  });
}

/** A copy of the tracked files (node_modules linked), so mutants never touch the working tree. */
function sandbox(root: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vmstate-mutate-'));
  const files = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  }).stdout.split('\n');
  for (const f of files) {
    if (f === '') continue;
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    try {
      cpSync(join(root, f), join(dir, f));
    } catch {
      // Deleted but not yet staged: nothing to copy.
    }
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function runTests(dir: string, tests: readonly string[]): { passed: boolean; ms: number; output: string } {
  const started = Date.now();
  const r = spawnSync('npx', ['vitest', 'run', '--bail', '1', '--typecheck.enabled=false', ...tests], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, CI: '1' },
  });
  return { passed: r.status === 0, ms: Date.now() - started, output: `${r.stdout}${r.stderr}` };
}

function main(): void {
  const args = process.argv.slice(2);
  const onlyNamed = args.includes('--named');
  const jsonAt = args.indexOf('--json');
  const root = resolve('.');
  const dir = sandbox(root);
  try {
    const mutants = [
      ...namedMutants(dir),
      ...(onlyNamed ? [] : REGIONS.flatMap((r) => operatorMutants(dir, r))),
    ];
    // The unmutated suite must pass, or every "kill" means nothing.
    const tests = [...new Set(mutants.flatMap((m) => m.tests))];
    const baseline = runTests(dir, tests);
    if (!baseline.passed)
      throw new Error(`the unmutated tests fail: ${tests.join(' ')}\n${baseline.output.slice(-3000)}`);
    console.log(
      `baseline: ${tests.length} test files pass (${(baseline.ms / 1000).toFixed(0)} s); ${mutants.length} mutants`,
    );
    const results: { id: string; named: boolean; killed: boolean; ms: number; description: string }[] = [];
    for (const m of mutants) {
      const original = readFileSync(join(dir, m.file), 'utf8');
      writeFileSync(join(dir, m.file), m.source);
      try {
        const r = runTests(dir, m.tests);
        results.push({ id: m.id, named: m.named, killed: !r.passed, ms: r.ms, description: m.description });
        console.log(`${r.passed ? 'SURVIVED' : 'killed  '}  ${m.description}`);
      } finally {
        writeFileSync(join(dir, m.file), original);
      }
    }
    const killed = results.filter((r) => r.killed).length;
    const named = results.filter((r) => r.named);
    console.log(
      `\nmutation score: ${killed}/${results.length} killed (${((100 * killed) / Math.max(1, results.length)).toFixed(1)}%); named: ${named.filter((r) => r.killed).length}/${named.length}`,
    );
    for (const r of results.filter((x) => !x.killed)) console.log(`  survived: ${r.description}`);
    if (jsonAt >= 0 && args[jsonAt + 1])
      writeFileSync(args[jsonAt + 1] as string, JSON.stringify(results, null, 2));
    process.exitCode = named.every((r) => r.killed) ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
