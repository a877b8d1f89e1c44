import type { CliCommand } from './command.js';

/**
 * The command table: names and summaries up front, each module loaded only when its command runs.
 * Add a command as `name: { summary, load: async () => (await import('./commands/name.js')).command }`.
 */
export const commands: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {
  analyze: {
    summary: 'Read a migration stream: device state, summary, RAM, lossless JSON',
    load: async () => (await import('./commands/analyze.js')).command,
  },
  assemble: {
    summary: 'Write the migration stream a lossless JSON describes',
    load: async () => (await import('./commands/assemble.js')).command,
  },
  convert: {
    summary: 'Rewrite saved state for a receiver that knows less or more',
    load: async () => (await import('./commands/convert.js')).command,
  },
  demo: {
    summary:
      'The floppy-controller scenario: migrate running workloads between releases, measure what breaks',
    load: async () => (await import('./commands/demo.js')).command,
  },
  matrix: {
    summary: 'Migrate generated states between every pair of versions and machine types',
    load: async () => (await import('./commands/matrix.js')).command,
  },
  check: {
    summary: 'Check statically what breaks when migrating between two description sets',
    load: async () => (await import('./commands/check.js')).command,
  },
  preflight: {
    summary: "Would a destination QEMU load this running VM's device state? Asks without migrating",
    load: async () => (await import('./commands/preflight.js')).command,
  },
  migrate: {
    summary:
      'Migrate a running QEMU VM, guarded: never strand it on a destination that would refuse its state',
    load: async () => (await import('./commands/migrate.js')).command,
  },
  lab: {
    summary: 'Real cross-version migration lab: QEMU 5.2, 7.2, 10.0 save and load; vmstate check must agree',
    load: async () => (await import('./commands/lab.js')).command,
  },
  dump: {
    summary: "Print a module's descriptions in QEMU's -dump-vmstate JSON shape",
    load: async () => (await import('./commands/dump.js')).command,
  },
};
