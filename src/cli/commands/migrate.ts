import type { Command } from 'commander';
import { guardedJson, guardedMigrate, guardedText, type MigrationProgress } from '../../qemu/index.js';
import type { CliCommand } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { fitWidth } from '../fit-width.js';
import { cannotAsk, connectQmp, destinationSet, senderSet } from './preflight.js';

const MiB = 2 ** 20;

/** A RAM progress bar on stderr when it is a terminal; a no-op otherwise. */
async function progressBar(enabled: boolean): Promise<{ update(p: MigrationProgress): void; stop(): void }> {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  // Loaded only for a terminal: scripted runs never pay for it.
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{status} [{bar}] {value}/{total} MiB sent | {remaining} MiB remaining | {rate} Mbit/s',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      if (p.total === 0) return;
      const payload = { status: p.status, remaining: Math.ceil(p.remaining / MiB), rate: p.mbps.toFixed(0) };
      if (!started) {
        bar.start(Math.ceil(p.total / MiB), 0, payload);
        started = true;
      }
      bar.update(Math.min(Math.floor(p.transferred / MiB), Math.ceil(p.total / MiB)), payload);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

export const command: CliCommand = {
  name: 'migrate',
  summary: 'Migrate a running QEMU VM, guarded: never strand it on a destination that would refuse its state',
  configure: (cmd: Command) =>
    cmd
      .argument(
        '<uri>',
        'where QEMU migrates to, as QMP migrate takes it: tcp:HOST:PORT, unix:PATH, exec:CMD',
      )
      .requiredOption('--qmp <socket>', "the source VM's QMP unix socket")
      .requiredOption('--to <dump>', "the destination QEMU's -dump-vmstate JSON for the same machine type")
      .option(
        '--from <dump>',
        "the source QEMU's -dump-vmstate (default: made with the VM's own QEMU version when it is installed)",
      )
      .option(
        '--skip-preflight',
        'start copying without pre-flight (the guard at the switch-over pause still runs)',
      )
      .option('--tmp-dir <dir>', 'where QEMU writes the device state (a private directory is made there)')
      .option('--json', 'print the outcome, both checks and QEMU’s last query-migrate as JSON')
      .addHelpText(
        'after',
        '\nPre-flight first (nothing is copied if the destination would refuse the state now), then a real\n' +
          'QEMU migration with pause-before-switchover: at the pause the final device state is checked again;\n' +
          'would it be refused, the migration is cancelled and the source runs again; else it continues.\n' +
          'Ctrl-C cancels the migration and leaves the source running.\n' +
          'Exit codes: 0 completed, 1 refused (before start or at switch-over) or QEMU reports failed/cancelled,\n' +
          '2 cannot ask or start (QMP unreachable, a migration already running, unreadable dump).',
      ),
  async run(
    [uri],
    options: {
      qmp: string;
      to: string;
      from?: string;
      skipPreflight?: boolean;
      tmpDir?: string;
      json?: boolean;
    },
  ) {
    const destination = await destinationSet(options.to);
    const qmp = await connectQmp(options.qmp);
    const bar = await progressBar(options.json !== true);
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    try {
      const source = await senderSet(qmp, options.from, options.tmpDir);
      const result = await guardedMigrate(qmp, {
        ...(source === undefined ? {} : { source }),
        uri: uri as string,
        destination,
        signal: abort.signal,
        onProgress: (p) => bar.update(p),
        ...(options.skipPreflight === true ? { skipPreflight: true } : {}),
        ...(options.tmpDir === undefined ? {} : { tmpDir: options.tmpDir }),
      }).catch(cannotAsk);
      bar.stop();
      process.stdout.write(
        options.json
          ? `${JSON.stringify(guardedJson(result), null, 2)}\n`
          : fitWidth(guardedText(result, destination.label)),
      );
      return result.outcome === 'completed' ? ExitCode.ok : ExitCode.negative;
    } finally {
      bar.stop();
      process.off('SIGINT', onSigint);
      qmp.close();
    }
  },
};
