import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import type { DescriptionSet } from '../../compat/index.js';
import { loadDescriptionSet } from '../../compat/index.js';
import { MigrationError } from '../../errors/index.js';
import {
  GuardError,
  preflight,
  preflightJson,
  preflightText,
  preflightUntilLoads,
  QmpClient,
  QmpClosedError,
  QmpError,
  type QmpLink,
  sourceDescriptions,
  waitSafeJson,
  waitSafeText,
} from '../../qemu/index.js';
import type { CliCommand } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { fitWidth } from '../fit-width.js';
import { inputProblem } from './check.js';

/** `250ms`, `30s`, `2m`, `1h`; a bare number is seconds. */
export function parseDuration(name: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  if (m === null)
    throw new UsageError(`${name} must be a duration such as 500ms, 30s, 2m or 1h, got "${raw}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

/** The destination's description set; an unreadable one is a usage problem (exit 2). */
export async function destinationSet(file: string): Promise<DescriptionSet> {
  try {
    return await loadDescriptionSet(file);
  } catch (e) {
    if (e instanceof MigrationError) throw inputProblem(e);
    throw e;
  }
}

/**
 * The sender's descriptions: `--from DUMP`, else the dump of the VM's own QEMU version made with
 * its installed binary; undefined when neither (the verdict then rests on the bytes alone).
 */
export async function senderSet(qmp: QmpLink, from: string | undefined, tmpDir: string | undefined) {
  if (from !== undefined) return destinationSet(from);
  return sourceDescriptions(qmp, tmpDir === undefined ? {} : { tmpDir }).catch(cannotAsk);
}

/** Connects to a running QEMU's QMP socket; failing that is "cannot ask" (exit 2). */
export async function connectQmp(socket: string): Promise<QmpClient> {
  try {
    await access(socket); // no socket file: say so now rather than retry for the whole timeout
    return await QmpClient.connect(socket, { timeoutMs: 5_000 });
  } catch (e) {
    throw new UsageError(`cannot ask QEMU at ${socket}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * A failure while asking is "cannot ask" (exit 2): QEMU refused a command or went away, a migration
 * is already running, the temporary directory cannot be made. A bug stays a bug (exit 70).
 */
export function cannotAsk(e: unknown): never {
  const systemError = e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string';
  if (e instanceof QmpError || e instanceof QmpClosedError || e instanceof GuardError || systemError) {
    throw new UsageError(`cannot ask QEMU: ${(e as Error).message}`);
  }
  throw e;
}

export const command: CliCommand = {
  name: 'preflight',
  summary: 'Would a destination QEMU load this running VM’s device state? Asks without migrating',
  configure: (cmd: Command) =>
    cmd
      .requiredOption('--qmp <socket>', "the running VM's QMP unix socket")
      .requiredOption('--to <dump>', "the destination QEMU's -dump-vmstate JSON for the same machine type")
      .option(
        '--from <dump>',
        "the source QEMU's -dump-vmstate (default: made with the VM's own QEMU version when it is installed)",
      )
      .option(
        '--wait-safe <duration>',
        'ask again until the state would load, for at most this long (30s, 2m)',
      )
      .option('--pause-share <percent>', 'with --wait-safe: most of the time the guest may be paused', '1')
      .option('--tmp-dir <dir>', 'where QEMU writes the device state (a private directory is made there)')
      .option('--json', 'print the verdict, findings and measured pause as JSON')
      .addHelpText(
        'after',
        '\nThe device state is taken with QMP xen-save-devices-state: no RAM, the guest pauses for about\n' +
          'a millisecond and QEMU resumes it only if it was running. Nothing is sent to the destination.\n' +
          'Exit codes: 0 loads, 1 refused, 2 cannot ask (QMP unreachable, command refused, unreadable dump).',
      ),
  async run(
    _args,
    options: {
      qmp: string;
      to: string;
      from?: string;
      waitSafe?: string;
      pauseShare: string;
      tmpDir?: string;
      json?: boolean;
    },
  ) {
    const destination = await destinationSet(options.to);
    const forMs = options.waitSafe === undefined ? undefined : parseDuration('--wait-safe', options.waitSafe);
    const share = Number(options.pauseShare) / 100;
    if (!(share > 0 && share <= 1))
      throw new UsageError(`--pause-share must be in (0, 100], got "${options.pauseShare}"`);
    const qmp = await connectQmp(options.qmp);
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    try {
      const source = await senderSet(qmp, options.from, options.tmpDir);
      const capture = {
        ...(options.tmpDir === undefined ? {} : { tmpDir: options.tmpDir }),
        ...(source === undefined ? {} : { source }),
      };
      if (forMs === undefined) {
        const result = await preflight(qmp, destination, capture).catch(cannotAsk);
        process.stdout.write(
          options.json
            ? `${JSON.stringify(preflightJson(result), null, 2)}\n`
            : fitWidth(preflightText(result, destination.label)),
        );
        return result.verdict === 'loads' ? ExitCode.ok : ExitCode.negative;
      }
      const wait = await preflightUntilLoads(qmp, destination, {
        ...capture,
        forMs,
        pauseShare: share,
        signal: abort.signal,
      }).catch(cannotAsk);
      process.stdout.write(
        options.json
          ? `${JSON.stringify(waitSafeJson(wait), null, 2)}\n`
          : fitWidth(waitSafeText(wait, destination.label)),
      );
      return wait.final.verdict === 'loads' ? ExitCode.ok : ExitCode.negative;
    } finally {
      process.off('SIGINT', onSigint);
      qmp.close();
    }
  },
};
