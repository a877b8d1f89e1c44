import { describe, expect, it } from 'vitest';
import { captureOutput } from '../../test/support/captured-output.js';
import { MigrationError } from '../errors/index.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { main } from './main.js';
import { type ErrorJson, reportError } from './report-error.js';

const output = captureOutput();
const parsed = () => JSON.parse(output.err) as ErrorJson;

describe('reportError', () => {
  it('prints a rejected stream as JSON with code, path and offset, exit code unchanged', () => {
    const e = new MigrationError([
      { code: 'truncated', path: ['fdc', 'state'], offset: 7, message: 'ends early', details: { need: 4n } },
    ]);
    expect(reportError(e, true)).toBe(ExitCode.rejected);
    expect(output.out).toBe('');
    expect(parsed()).toEqual({
      error: {
        exitCode: 3,
        kind: 'rejected',
        message: e.message,
        issues: [
          {
            code: 'truncated',
            path: ['fdc', 'state'],
            offset: 7,
            message: 'ends early',
            details: { need: '4' },
          },
        ],
      },
    });
  });

  it('prints usage and internal errors in the same shape', () => {
    expect(reportError(new UsageError('cannot read x'), true)).toBe(ExitCode.usage);
    expect(parsed().error).toMatchObject({
      kind: 'usage',
      issues: [{ code: 'usage', path: [], message: 'cannot read x' }],
    });
    output.err = '';
    expect(reportError(new TypeError('bug'), true)).toBe(ExitCode.internal);
    expect(parsed().error).toMatchObject({ exitCode: 70, kind: 'internal' });
  });

  it('prints text without --json, the empty path without "(top)"', () => {
    const e = new MigrationError([{ code: 'bad-header', path: [], offset: 0, message: 'not a stream' }]);
    expect(reportError(e)).toBe(ExitCode.rejected);
    expect(output.err).toBe('rejected: not a stream at byte 0 (0x0) [bad-header]\n');
  });
});

describe('--json errors from the CLI', () => {
  it('an unreadable input is a JSON usage error (exit 2)', async () => {
    expect(await main(['analyze', '--summary', '--json', '/nonexistent/x.mig'])).toBe(2);
    expect(parsed().error).toMatchObject({ exitCode: 2, kind: 'usage' });
    expect(parsed().error.message).toContain('/nonexistent/x.mig');
  });

  it("commander's own usage errors are JSON too, and commander prints nothing else", async () => {
    expect(await main(['analyze', '--json', '--bogus', 'x.mig'])).toBe(2);
    expect(parsed().error).toMatchObject({ kind: 'usage', message: "unknown option '--bogus'" });
  });

  it('a rejected stream is JSON naming the offset (exit 3)', async () => {
    expect(await main(['analyze', '--json', 'test/vectors/qemu-7.2/dump-pc-i440fx-7.2.json'])).toBe(3);
    const { error } = parsed();
    expect(error.kind).toBe('rejected');
    expect(error.issues[0]?.offset).toBe(0);
  });

  it('stays text without --json', async () => {
    expect(await main(['analyze', '/nonexistent/x.mig'])).toBe(2);
    expect(output.err).toMatch(/^error: cannot read \/nonexistent\/x.mig/);
  });
});
