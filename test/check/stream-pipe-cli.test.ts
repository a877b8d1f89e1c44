import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { convertForQemu } from '../../src/compat/index.js';
import { dump, stream, vectorBytes } from './vectors.js';

/**
 * `check STREAM DEST` and `convert STREAM --to DEST` from a file, from `- < FILE` and from a pipe
 * (`cat FILE | …`, spooled to a temporary file) print the same report and write the same bytes,
 * which are the bytes `convertForQemu` makes from the stream in memory.
 */
const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'vmstate-stream-pipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DUMP = join(root, 'test/vectors/qemu-7.2/dump-pc-i440fx-7.2.json');

async function cli(shell: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const vmstate = `${JSON.stringify(process.execPath)} --import tsx src/cli/bin.ts`;
  try {
    const r = await run('sh', ['-c', shell.replaceAll('VMSTATE', vmstate)], {
      cwd: root,
      maxBuffer: 64 << 20,
      encoding: 'utf8',
    });
    return { ...r, code: 0 };
  } catch (e) {
    const x = e as { stdout: string; stderr: string; code: number };
    return { stdout: x.stdout, stderr: x.stderr, code: x.code };
  }
}

const CASES: { name: string; bytes: () => Uint8Array; allow: string[]; verdict: string }[] = [
  { name: 'pc-paused (7.2)', bytes: () => vectorBytes('7.2', 'pc-paused.mig'), allow: [], verdict: 'loads' },
  {
    name: 'LTIM (10.0), cut with --allow-loss',
    bytes: () => stream('10.0', 'ltim-pc-i440fx-7.2.mig'),
    allow: ['i8259/ltim'],
    verdict: 'refused',
  },
];

describe('check and convert: file, redirected stdin and pipe agree', () => {
  it.each(CASES)(
    '$name',
    async ({ name, bytes, allow, verdict }) => {
      const input = bytes();
      const file = join(dir, `${name.replace(/\W+/g, '-')}.mig`);
      writeFileSync(file, input);
      const f = JSON.stringify(file);
      const d = JSON.stringify(DUMP);
      const checks = await Promise.all([
        cli(`VMSTATE check ${f} ${d} --json`),
        cli(`VMSTATE check - ${d} --json < ${f}`),
        cli(`cat ${f} | VMSTATE check - ${d} --json`),
      ]);
      expect(JSON.parse(checks[0].stdout).verdict).toBe(verdict);
      for (const c of checks) expect(c).toEqual(checks[0]);

      const loss = allow.map((a) => `--allow-loss ${a}`).join(' ');
      const out = (k: string) => JSON.stringify(join(dir, `${k}.mig`));
      const converts = await Promise.all([
        cli(`VMSTATE convert ${f} --to ${d} ${loss} -o ${out('file')}`),
        cli(`VMSTATE convert - --to ${d} ${loss} -o ${out('redirected')} < ${f}`),
        cli(`cat ${f} | VMSTATE convert - --to ${d} ${loss} -o ${out('piped')}`),
        cli(`cat ${f} | VMSTATE convert - --to ${d} ${loss} -o - > ${out('stdout')}`),
      ]);
      for (const c of converts) expect(c.code, c.stderr).toBe(0);
      expect(converts[1]).toEqual(converts[0]);
      expect(converts[2]).toEqual(converts[0]);
      const expected = (await convertForQemu(input, dump('7.2', 'pc-i440fx-7.2'), { allowLoss: allow }))
        .output;
      expect(expected).toBeDefined();
      for (const k of ['file', 'redirected', 'piped', 'stdout']) {
        expect(Buffer.compare(readFileSync(join(dir, `${k}.mig`)), expected as Uint8Array), k).toBe(0);
      }
    },
    120_000,
  );
});
