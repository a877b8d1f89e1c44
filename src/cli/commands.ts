import type { CliCommand } from './command.js';

/** The command a command module exports (each import stays a literal: the bundle splits on it). */
const commandOf = async (module: Promise<{ command: CliCommand }>) => (await module).command;

/**
 * The command table: names and summaries up front, each module loaded only when its command runs.
 * Add a command as `name: { summary, load: () => commandOf(import('./commands/name.js')) }`.
 */
export const commands: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  analyze: {
    summary: 'Read a migration stream: device state, summary, RAM, lossless JSON',
    load: () => commandOf(import('./commands/analyze.js')),
  },
  assemble: {
    summary: 'Write the migration stream a lossless JSON describes',
    load: () => commandOf(import('./commands/assemble.js')),
  },
  convert: {
    summary: 'Rewrite saved state for a receiver that knows less or more',
    load: () => commandOf(import('./commands/convert.js')),
  },
  demo: {
    summary:
      'The floppy-controller scenario: migrate running workloads between releases, measure what breaks',
    load: () => commandOf(import('./commands/demo.js')),
  },
  matrix: {
    summary: 'Migrate generated states between every pair of versions and machine types',
    load: () => commandOf(import('./commands/matrix.js')),
  },
  check: {
    summary: 'Check statically what breaks when migrating between two description sets',
    load: () => commandOf(import('./commands/check.js')),
  },
  preflight: {
    summary: "Would a destination QEMU load this running VM's device state? Asks without migrating",
    load: () => commandOf(import('./commands/preflight.js')),
  },
  migrate: {
    summary:
      'Migrate a running QEMU VM, guarded: never strand it on a destination that would refuse its state',
    load: () => commandOf(import('./commands/migrate.js')),
  },
  lab: {
    summary: 'Real cross-version migration lab: QEMU 5.2, 7.2, 10.0 save and load; vmstate check must agree',
    load: () => commandOf(import('./commands/lab.js')),
  },
  dump: {
    summary: "Print a module's descriptions in QEMU's -dump-vmstate JSON shape",
    load: () => commandOf(import('./commands/dump.js')),
  },
};
