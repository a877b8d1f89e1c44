import { execFile } from 'node:child_process';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MigrationError } from '../../src/errors/index.js';
import { analysisText, analyzeStream } from '../../src/stream/index.js';

/**
 * A stream read from a pipe has its vmdesc last: device sections are held until it arrives, so
 * `analyze - < FILE` and `cat FILE | analyze -` print what `analyze FILE` prints, byte for byte.
 */
const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const vectors = join(root, 'test/vectors');
const streams = readdirSync(vectors, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.mig'))
  .map((f) => join(vectors, f))
  .sort();

/** The CLI under tsx, through a shell, so stdin is a real file or a real pipe. */
async function cli(shell: string): Promise<{ stdout: string; stderr: string }> {
  const vmstate = `${JSON.stringify(process.execPath)} --import tsx src/cli/bin.ts`;
  return run('sh', ['-c', shell.replaceAll('VMSTATE', vmstate)], {
    cwd: root,
    maxBuffer: 64 << 20,
    encoding: 'utf8',
  });
}

describe('analyze from a pipe prints what analyze from the file prints', () => {
  it('finds every stream under test/vectors', () => {
    expect(streams.length).toBeGreaterThanOrEqual(6);
  });

  it.each(streams)('in process: a Readable in small chunks, %s', async (file) => {
    const fromFile = await analyzeStream(file);
    const piped = await analyzeStream(createReadStream(file, { highWaterMark: 4096 }));
    expect(analysisText(piped.state)).toBe(analysisText(fromFile.state));
    expect(piped.notes).toEqual(fromFile.notes);
  });

  it.each(streams)('in process: the summary too, %s', async (file) => {
    const fromFile = (await analyzeStream(file)).summary;
    const piped = (await analyzeStream(createReadStream(file, { highWaterMark: 4096 }))).summary;
    if (fromFile.footers !== false) {
      expect(piped).toEqual(fromFile);
      return;
    }
    // Without section footers a pipe's reader must decode the sections it has a description for to
    // find their ends, before the vmdesc comes: the summary says "description" there, truthfully.
    const asFile = piped.sections.map((s, i) =>
      s.decodedBy === 'description' && fromFile.sections[i]?.decodedBy === 'vmdesc'
        ? { ...s, decodedBy: 'vmdesc' as const }
        : s,
    );
    expect({ ...piped, sections: asFile }).toEqual(fromFile);
  });

  it.each(streams)(
    'the CLI: analyze FILE, analyze - < FILE, cat FILE | analyze -, %s',
    async (file) => {
      const q = JSON.stringify(file);
      const [direct, redirected, piped] = await Promise.all([
        cli(`VMSTATE analyze ${q}`),
        cli(`VMSTATE analyze - < ${q}`),
        cli(`cat ${q} | VMSTATE analyze -`),
      ]);
      expect(direct.stdout.length).toBeGreaterThan(0);
      expect(redirected.stdout).toBe(direct.stdout);
      expect(piped.stdout).toBe(direct.stdout);
      expect(piped.stderr).toBe(direct.stderr);
    },
    120_000,
  );

  it('holds device sections only up to the declared limit, then says why', async () => {
    const bytes = readFileSync(join(vectors, 'qemu-7.2/pc-paused.mig'));
    const error = await analyzeStream(Readable.from([bytes]), { maxHeldDeviceBytes: 1000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrationError);
    const issue = (error as MigrationError).issues[0];
    expect(issue?.code).toBe('bound-exceeded');
    expect(issue?.message).toContain('limit of 1000 bytes');
    // From a file the vmdesc is read first: nothing is held, the limit does not apply.
    await expect(
      analyzeStream(join(vectors, 'qemu-7.2/pc-paused.mig'), { maxHeldDeviceBytes: 1000 }),
    ).resolves.toBeDefined();
  });
});
