import type { CliCommand } from './command.js';

/**
 * The command table: names and summaries up front, each module loaded only when its command runs.
 * Add a command as `name: { summary, load: async () => (await import('./commands/name.js')).command }`.
 */
export const commands: Record<string, { summary: string; load: () => Promise<CliCommand> }> = {};
