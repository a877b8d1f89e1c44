/**
 * The long mutation run (`npm run fuzz`): CASES mutants of every real stream in test/vectors, over
 * WORKERS child processes. Per case: read as `analyze --lossless` does; an accepted stream must
 * assemble back to its own bytes; anything but a MigrationError is a crash; a case that does not
 * finish within 20 s is a hang (its worker is killed and restarted after it). Deterministic: case
 * i of a seed is always the same mutant.
 *
 *   npm run fuzz                       # 260,000 cases, one worker per core
 *   npm run fuzz -- --cases 10000 --workers 2 --seed 7
 *
 * Exit code 0 when there were no crashes, hangs or lossless failures; 1 otherwise.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { apply, losslessOutcome, prng, randomMutations, realStreams, smallRealStream } from './mutate.js';

interface Tally {
  accepted: number;
  rejected: number;
  notLossless: number;
  crashes: number;
  hangs: number;
}

type Report =
  | { type: 'done'; index: number; kind: 'accepted' | 'rejected' }
  | { type: 'problem'; index: number; kind: 'notLossless' | 'crash'; detail: string }
  | { type: 'finished' };

const HANG_MS = 20_000;

function caseOf(seed: number, index: number, lengths: readonly number[]) {
  // One generator per case: any worker can run any case.
  const next = prng((seed * 0x9e3779b1 + index) >>> 0);
  const stream = Math.floor(next() * lengths.length);
  return { stream, mutations: randomMutations(next, lengths[stream] as number) };
}

async function worker(seed: number, from: number, to: number, step: number): Promise<void> {
  const paths = realStreams();
  const bases = await Promise.all(paths.map((p) => smallRealStream(p)));
  const lengths = bases.map((b) => b.length);
  const send = (r: Report) => new Promise<void>((res) => process.send?.(r, () => res()));
  for (let i = from; i < to; i += step) {
    const { stream, mutations } = caseOf(seed, i, lengths);
    const bytes = apply(bases[stream] as Uint8Array, mutations);
    try {
      const r = await losslessOutcome(bytes);
      if (r.kind === 'not-lossless') {
        await send({
          type: 'problem',
          index: i,
          kind: 'notLossless',
          detail: `${paths[stream]} ${JSON.stringify(mutations)}: ${r.detail}`,
        });
      } else process.send?.({ type: 'done', index: i, kind: r.kind });
    } catch (e) {
      await send({
        type: 'problem',
        index: i,
        kind: 'crash',
        detail: `${paths[stream]} ${JSON.stringify(mutations)}: ${e instanceof Error ? e.stack : String(e)}`,
      });
    }
  }
  await send({ type: 'finished' });
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${name} must be a non-negative integer`);
  return v;
}

async function main(args: string[]): Promise<number> {
  const cases = option(args, '--cases', 260_000);
  const workers = Math.max(1, option(args, '--workers', availableParallelism()));
  const seed = option(args, '--seed', 1);
  const tally: Tally = { accepted: 0, rejected: 0, notLossless: 0, crashes: 0, hangs: 0 };
  const problems: string[] = [];
  const started = Date.now();
  const self = fileURLToPath(import.meta.url);
  let finished = 0;
  process.stderr.write(
    `fuzz: ${cases} cases, ${workers} workers, seed ${seed}, ${realStreams().length} streams\n`,
  );

  await new Promise<void>((resolveAll) => {
    /** Starts a worker for cases start, start+step, … below `cases`. */
    const spawn = (start: number, lane: number) => {
      if (start >= cases) {
        if (++finished === workers) resolveAll();
        return;
      }
      const child: ChildProcess = fork(
        self,
        ['--worker', String(seed), String(start), String(cases), String(workers)],
        {
          execArgv: ['--import', 'tsx'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        },
      );
      let last = start - workers;
      let timer: NodeJS.Timeout;
      let done = false;
      const arm = () => {
        clearTimeout(timer);
        // The first case also waits for the worker to start and read the streams.
        timer = setTimeout(hang, last < start ? HANG_MS * 3 : HANG_MS);
      };
      const hang = () => {
        const index = last + workers;
        tally.hangs++;
        problems.push(`hang: case ${index}`);
        done = true;
        child.kill('SIGKILL');
        spawn(index + workers, lane);
      };
      arm();
      child.on('message', (r: Report) => {
        if (r.type === 'finished') {
          done = true;
          clearTimeout(timer);
          if (++finished === workers) resolveAll();
          return;
        }
        last = r.index;
        arm();
        if (r.type === 'done') tally[r.kind]++;
        else {
          tally[r.kind === 'crash' ? 'crashes' : 'notLossless']++;
          if (problems.length < 50) problems.push(`${r.kind} case ${r.index}: ${r.detail}`);
        }
        const total = tally.accepted + tally.rejected + tally.notLossless + tally.crashes + tally.hangs;
        if (lane === 0 && total % 10_000 < workers) {
          process.stderr.write(
            `  ${total} cases, ${((Date.now() - started) / 1000).toFixed(0)} s: ${JSON.stringify(tally)}\n`,
          );
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (done) return;
        // Died without a report (out of memory, a native crash): count it and go on after it.
        const index = last + workers;
        tally.crashes++;
        problems.push(`worker exited with ${code} at case ${index}`);
        spawn(index + workers, lane);
      });
    };
    for (let lane = 0; lane < workers; lane++) spawn(lane, lane);
  });

  const seconds = (Date.now() - started) / 1000;
  const total = tally.accepted + tally.rejected + tally.notLossless + tally.crashes + tally.hangs;
  for (const p of problems) process.stdout.write(`${p}\n`);
  process.stdout.write(
    `fuzz: ${total} mutants in ${seconds.toFixed(0)} s (${workers} workers, seed ${seed}): ` +
      `${tally.accepted} accepted and lossless, ${tally.rejected} rejected with a MigrationError, ` +
      `${tally.notLossless} accepted but not lossless, ${tally.crashes} crashes, ${tally.hangs} hangs\n`,
  );
  return tally.notLossless + tally.crashes + tally.hangs === 0 ? 0 : 1;
}

const argv = process.argv.slice(2);
if (argv[0] === '--worker') {
  const [seed, from, to, step] = argv.slice(1).map(Number) as [number, number, number, number];
  await worker(seed, from, to, step);
  process.disconnect?.();
} else {
  process.exitCode = await main(argv);
}
