import { Command } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CliCommand } from './command.js';
import { command as analyze } from './commands/analyze.js';
import { quickParse } from './quick-parse.js';

/** What commander hands the action for these arguments, or its error's code. */
function commanderParse(spec: CliCommand, argv: string[]): unknown {
  let got: unknown;
  const cmd = spec
    .configure(new Command(`vmstate ${spec.name}`))
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined })
    .action((...params: unknown[]) => {
      got = { args: params.slice(0, -2), options: { ...(params[params.length - 2] as object) } };
    });
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (e) {
    return { error: (e as { code?: string }).code };
  }
  return got;
}

const syntax = analyze.quick;

describe('quick parse (node:util parseArgs) of a hot command', () => {
  it('is declared for analyze', () => {
    expect(syntax).toBeDefined();
  });

  it('takes plain command lines, exactly as commander does', () => {
    if (!syntax) return;
    const lines = [
      ['x.mig'],
      ['--summary', '--json', 'x.mig'],
      ['x.mig', '--extract=out'],
      ['x.mig', '--extract', 'out', '--memory'],
      ['-', '--no-progress'],
      ['--descriptions', 'd.js', 'x.mig', '--desc'],
    ];
    for (const argv of lines) {
      const quick = quickParse(syntax, argv);
      expect(quick).toBeDefined();
      expect(quick).toStrictEqual(commanderParse(analyze, argv));
    }
  });

  it('leaves help, `--`, unknown and malformed options to commander', () => {
    if (!syntax) return;
    for (const argv of [
      ['--help'],
      ['x.mig', '-h'],
      ['--', 'x.mig'],
      ['x.mig', '--bogus'],
      ['x.mig', '--desc=yes'],
      ['x.mig', '--extract'],
      ['x.mig', '--extract', '--desc'],
      ['a', 'b'],
      [],
    ]) {
      expect(quickParse(syntax, argv)).toBeUndefined();
    }
  });

  it('whatever it takes, commander takes the same way (arguments and options)', () => {
    if (!syntax) return;
    const token = fc.constantFrom(
      ...syntax.options.map((o) => o.flags.split(' ')[0] as string),
      '--extract=d',
      '--descriptions=m.js',
      '--no-progress=1',
      '--progress',
      '--desc=',
      '--Desc',
      '-d',
      '-',
      'x.mig',
      'dir',
      '-x',
      '--',
      '--help',
      '',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 6 }), (argv) => {
        const quick = quickParse(syntax, argv);
        if (quick !== undefined) expect(quick).toStrictEqual(commanderParse(analyze, argv));
      }),
      { numRuns: 2000 },
    );
  });
});
