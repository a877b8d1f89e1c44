import { execFile } from 'node:child_process';
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryPair, migrateSource, TrackedMemory } from '../../src/migrate/index.js';
import { readStream } from '../../src/stream/index.js';
import { destination, devState, FakeGuest, versions } from './fixtures.js';

/** Runs the CLI with a file on stdin (`vmstate analyze -`). */
function cli(args: string[], stdinFile: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/bin.ts', ...args],
      { maxBuffer: 64 << 20 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    createReadStream(stdinFile).pipe(child.stdin as NodeJS.WritableStream);
  });
}

describe('a captured live migration is a QEMU stream', () => {
  it('vmstate analyze - reads it: RAM passes, the device, the vmdesc', async () => {
    const memory = new TrackedMemory(64 * 4096, { name: 'pc.ram' });
    memory.fill(4096, 4096, 0x5a);
    const guest = new FakeGuest('v2', 'm-2', [memory], devState(3, 5n));
    const d = destination('v2', 'm-2', [{ name: 'pc.ram', size: 64 * 4096 }]);
    const [a, b] = memoryPair();
    d.accept(b);
    const chunks: Uint8Array[] = [];
    let pass = 0;
    const report = await migrateSource(a, guest, {
      versions,
      downtimeMs: 0,
      maxIterations: 3,
      capture: (c) => chunks.push(c),
      onProgress: (p) => {
        if (p.phase === 'precopy') memory.fill(8192, 10, ++pass);
      },
    });
    expect(report.outcome).toBe('completed');
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBe(report.streamBytes);

    // Read back with the library: the items a QEMU 7.2 precopy has.
    const kinds: string[] = [];
    for await (const item of readStream(bytes)) {
      if (item.type === 'section') kinds.push(`${item.kind}:${item.idstr}`);
      if (item.type === 'device') expect(item.decodedBy).toBe('vmdesc');
    }
    expect(kinds).toEqual(['start:ram', 'part:ram', 'part:ram', 'part:ram', 'end:ram', 'full:dev']);

    const dir = mkdtempSync(join(tmpdir(), 'vmstate-live-'));
    const file = join(dir, 'capture.mig');
    writeFileSync(file, bytes);
    const summary = await cli(['analyze', '--summary', '--json', '-'], file);
    expect(summary.code).toBe(0);
    const json = JSON.parse(summary.stdout) as { machine?: string; ram?: { blocks?: unknown[] } };
    expect(JSON.stringify(json)).toContain('pc.ram');
    expect(JSON.stringify(json)).toContain('m-2');
    const state = await cli(['analyze', '-'], file);
    expect(state.code).toBe(0);
    expect(state.stdout).toContain('dev (');
  }, 60_000);
});
