import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openPositional, StreamBytes } from './positional.js';

const dir = mkdtempSync(join(tmpdir(), 'vmstate-positional-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Op = { kind: 'byte'; at: number } | { kind: 'run'; start: number; end: number };

describe('StreamBytes over a file reads like the whole stream’s bytes', () => {
  it('bytes and runs, in any order, across window edges and past the end', () => {
    let n = 0;
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('byte' as const), at: fc.integer({ min: -2, max: 310 }) }),
            fc.record({
              kind: fc.constant('run' as const),
              start: fc.integer({ min: 0, max: 310 }),
              end: fc.integer({ min: 0, max: 320 }),
            }),
          ),
          { maxLength: 40 },
        ),
        (bytes, window, ops: Op[]) => {
          const file = join(dir, `s${n++}.mig`);
          writeFileSync(file, bytes);
          const input = openPositional(file);
          try {
            const view = new StreamBytes(input, window);
            expect(view.length).toBe(bytes.length);
            const kept: [Uint8Array, Uint8Array][] = [];
            for (const op of ops) {
              if (op.kind === 'byte') expect(view.byte(op.at)).toBe(bytes[op.at]);
              else {
                const run = view.subarray(op.start, op.end);
                const want = bytes.subarray(op.start, op.end);
                expect(Buffer.compare(run, want)).toBe(0);
                kept.push([run, want]);
              }
            }
            // A run handed out earlier still holds its bytes after later reads moved the window.
            for (const [run, want] of kept) expect(Buffer.compare(run, want)).toBe(0);
          } finally {
            input.close();
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads into a caller’s buffer when it is large enough, else into a new one', () => {
    const file = join(dir, 'into.mig');
    writeFileSync(
      file,
      Uint8Array.from({ length: 100 }, (_, i) => i),
    );
    const input = openPositional(file);
    try {
      const into = new Uint8Array(16);
      const a = input.read(10, 20, into);
      expect(a.buffer).toBe(into.buffer);
      expect([...a]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
      const b = input.read(10, 40, into);
      expect(b.buffer).not.toBe(into.buffer);
      expect(b.length).toBe(30);
    } finally {
      input.close();
    }
  });
});
