/**
 * Real QEMU VMs driven over QMP: start one (any installed version), save its migration stream,
 * load a stream into a fresh one, dump its VMState descriptions. Every process started here is
 * tracked (process.ts) and ended by `quit()` / `kill()` or, at the latest, when Node exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { MachineInfo } from './machines.js';
import { collect, runTracked, track, untrack, within } from './process.js';
import { type QmpArgs, QmpClient, QmpClosedError } from './qmp.js';
import { machineTypes, type QemuVersionName, requireQemu } from './versions.js';

/** Virtual RTC base: makes saves of a paused VM byte-reproducible. */
export const RTC_ARGS: readonly string[] = ['-rtc', 'base=2020-01-01T00:00:00,clock=vm'];

/** Options every VM gets: no default devices, no display. */
export const COMMON_ARGS: readonly string[] = ['-nodefaults', '-display', 'none'];

/** Default network options; replaced by `StartVmOptions.net`. */
export const NO_NET_ARGS: readonly string[] = ['-net', 'none'];

/** Quote a string for /bin/sh (QEMU runs `exec:` URIs through `sh -c`). */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface StartVmOptions {
  /** Machine type, e.g. `pc-i440fx-7.2`. */
  readonly machine: string;
  /** Which QEMU (default 7.2, the system's). */
  readonly version?: QemuVersionName;
  /** Guest RAM in MiB (default 32). */
  readonly memMiB?: number;
  /** Start with `-S` (default true). */
  readonly paused?: boolean;
  /** Add `-incoming defer` (then use `migrate-incoming`). */
  readonly incoming?: 'defer';
  /** A floppy image for drive A: (read-only, raw); SeaBIOS boots it. */
  readonly floppy?: string;
  /** Network options; default `-net none`. E.g. `['-netdev', 'user,id=n0', '-device', 'e1000,netdev=n0']`. */
  readonly net?: readonly string[];
  /** Appended after everything else. */
  readonly extraArgs?: readonly string[];
  /** Bound for QEMU to come up and accept QMP (default 10 s). */
  readonly startTimeoutMs?: number;
}

export interface Vm {
  readonly pid: number;
  /** The private temporary directory (QMP socket lives here); removed when the VM ends. */
  readonly dir: string;
  /** The binary that was run. */
  readonly binary: string;
  /** Full argv after the binary; the socket path appears as-is. */
  readonly args: readonly string[];
  /** QEMU version from `query-version`, e.g. `7.2.22`. */
  readonly version: string;
  /** Runs a QMP command (see QmpClient.command). */
  qmp<T = unknown>(command: string, args?: QmpArgs, timeoutMs?: number): Promise<T>;
  /** The QMP client itself (events). */
  readonly client: QmpClient;
  /** Everything QEMU wrote to stderr so far (capped at 64 KiB). */
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  /** True once the process has exited. */
  hasExited(): boolean;
  /** QMP `quit`, wait (bounded) for exit, SIGKILL if needed; returns the exit code. Idempotent. */
  quit(): Promise<number | null>;
  /** SIGKILL (if still running) and wait for exit. Idempotent. */
  kill(): Promise<void>;
}

/** Builds the QEMU argv used by startVm (socket path given). */
export function vmArgs(options: StartVmOptions, socketPath: string): string[] {
  const args = [
    ...COMMON_ARGS,
    ...(options.net ?? NO_NET_ARGS),
    '-qmp',
    `unix:${socketPath},server=on,wait=off`,
    '-M',
    options.machine,
    '-m',
    String(options.memMiB ?? 32),
    ...RTC_ARGS,
  ];
  if (options.floppy !== undefined) {
    // readonly: many VMs may boot one image at once, and QEMU would otherwise take a write lock.
    args.push('-drive', `if=floppy,index=0,format=raw,readonly=on,file=${resolve(options.floppy)}`);
  }
  if (options.paused ?? true) args.push('-S');
  if (options.incoming === 'defer') args.push('-incoming', 'defer');
  if (options.extraArgs !== undefined) args.push(...options.extraArgs);
  return args;
}

/** A spawned QEMU process: its stderr so far, its exit, and a one-line status for error messages. */
interface Watched {
  readonly stderr: () => string;
  readonly exited: Promise<Exit>;
  readonly hasExited: () => boolean;
  readonly spawnError: () => Error | undefined;
  readonly context: () => string;
}

function watch(child: ChildProcess): Watched {
  const stderr = collect(child.stderr);
  collect(child.stdout);
  let spawnError: Error | undefined;
  const exited = new Promise<Exit>((res) => {
    child.once('error', (e) => {
      spawnError = e;
      res({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => res({ code, signal }));
  });
  const hasExited = (): boolean =>
    spawnError !== undefined || child.exitCode !== null || child.signalCode !== null;
  const context = (): string => {
    const err = stderr().trim();
    const status = hasExited()
      ? `QEMU exited (code ${child.exitCode}, signal ${child.signalCode})`
      : 'QEMU still running';
    return `${status}${err === '' ? '' : `; stderr: ${err}`}`;
  };
  return { stderr, exited, hasExited, spawnError: () => spawnError, context };
}

/** Starts QEMU in a fresh short temp dir under /tmp and connects QMP. Kills QEMU if that fails. */
export async function startVm(options: StartVmOptions): Promise<Vm> {
  const bin = requireQemu(options.version ?? '7.2').binary;
  const dir = mkdtempSync('/tmp/vmq-');
  const socketPath = join(dir, 'qmp.sock');
  const args = vmArgs(options, socketPath);
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child, dir);
  const { stderr, exited, hasExited, spawnError, context } = watch(child);

  let qmp: QmpClient | undefined;
  let ended: Promise<void> | undefined;
  const kill = (): Promise<void> => {
    ended ??= (async () => {
      qmp?.close();
      if (!hasExited()) child.kill('SIGKILL');
      await exited;
      untrack(child, dir);
    })();
    return ended;
  };

  try {
    qmp = await QmpClient.connect(socketPath, {
      timeoutMs: options.startTimeoutMs ?? 10_000,
      abortReason: () => spawnError()?.message ?? (hasExited() ? context() : undefined),
      context,
    });
  } catch (e) {
    await kill();
    throw new Error(`QEMU ${options.machine} did not start: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  const client = qmp;
  let v: { major: number; minor: number; micro: number };
  try {
    v = (await client.command<{ qemu: typeof v }>('query-version')).qemu;
  } catch (e) {
    await kill();
    throw e;
  }

  let quitting: Promise<number | null> | undefined;
  const quit = (): Promise<number | null> => {
    quitting ??= (async () => {
      if (!hasExited() && !client.closed) {
        try {
          await client.command('quit', undefined, 5_000);
        } catch (e) {
          if (!(e instanceof QmpClosedError)) {
            await kill();
            throw e;
          }
        }
      }
      const exit = await within(exited, 10_000);
      await kill();
      return exit?.code ?? null;
    })();
    return quitting;
  };

  return {
    pid: child.pid ?? -1,
    dir,
    binary: bin,
    args,
    version: `${v.major}.${v.minor}.${v.micro}`,
    qmp: (command, qargs, timeoutMs) => client.command(command, qargs, timeoutMs),
    client,
    stderr,
    exited,
    hasExited,
    quit,
    kill,
  };
}

// ------------------------------------------------------------------------------------------------
// migration

/** Subset of QMP `MigrationInfo`. */
export interface MigrationInfo {
  readonly status?: string;
  readonly 'error-desc'?: string;
  readonly 'total-time'?: number;
  readonly [key: string]: unknown;
}

const FINAL_STATES = new Set(['completed', 'failed', 'cancelled']);

/** Polls `query-migrate` until a final state (completed / failed / cancelled) or the timeout. */
export async function pollMigration(vm: Vm, timeoutMs: number): Promise<MigrationInfo> {
  const deadline = Date.now() + timeoutMs;
  let info: MigrationInfo = {};
  for (;;) {
    info = await vm.qmp<MigrationInfo>('query-migrate');
    if (info.status !== undefined && FINAL_STATES.has(info.status)) return info;
    if (Date.now() >= deadline) {
      throw new Error(
        `migration did not finish within ${timeoutMs} ms (last status: ${String(info.status)})`,
      );
    }
    await sleep(20);
  }
}

export interface SaveOptions {
  /** Bound for the migration to finish (default 60 s). */
  readonly timeoutMs?: number;
}

/**
 * Saves the VM's migration stream to `file` (`migrate exec:cat > FILE`, rate limit lifted) and returns
 * the final `query-migrate` result. Throws if it does not finish in time (after `migrate_cancel`).
 */
export async function saveStream(vm: Vm, file: string, options: SaveOptions = {}): Promise<MigrationInfo> {
  const path = resolve(file);
  await vm.qmp('migrate-set-parameters', { 'max-bandwidth': 2 ** 40 });
  await vm.qmp('migrate', { uri: `exec:cat > ${shellQuote(path)}` });
  try {
    return await pollMigration(vm, options.timeoutMs ?? 60_000);
  } catch (e) {
    await vm.qmp('migrate_cancel').catch(() => undefined);
    throw e;
  }
}

/**
 * Writes every device section and no RAM (QMP `xen-save-devices-state`, `live: false`): the VM is
 * paused for about a millisecond. Works on these KVM-less builds of all three versions.
 */
export async function saveDeviceState(vm: Vm, file: string): Promise<void> {
  await vm.qmp('xen-save-devices-state', { filename: resolve(file), live: false });
}

export interface IncomingResult {
  /** Final incoming migration status; `failed` also when QEMU exited during the load. */
  readonly status: string;
  /** `query-status` runstate after the load, or undefined when QEMU had exited. */
  readonly runstate: string | undefined;
  readonly errorDesc?: string;
}

/** On a VM started with `incoming: 'defer'`: loads `file` and waits for the verdict. The VM stays up if it can. */
export async function migrateIncoming(vm: Vm, file: string, timeoutMs = 60_000): Promise<IncomingResult> {
  let info: MigrationInfo;
  let runstate: string | undefined;
  try {
    await vm.qmp('migrate-incoming', { uri: `exec:cat ${shellQuote(resolve(file))}` });
    info = await pollMigration(vm, timeoutMs);
    runstate = (await vm.qmp<{ status: string }>('query-status')).status;
  } catch (e) {
    if (!(e instanceof QmpClosedError)) throw e;
    // QEMU calls exit(1) when an incoming migration fails; often before we see `failed`.
    info = { status: 'failed' };
    runstate = undefined;
  }
  const status = info.status ?? 'unknown';
  if (status !== 'completed') await within(vm.exited, 2_000); // let stderr carry the reason
  const desc = info['error-desc'] ?? (status === 'completed' ? undefined : vm.stderr().trim());
  return { status, runstate, ...(desc === undefined ? {} : { errorDesc: desc }) };
}

export interface LoadOptions extends Omit<StartVmOptions, 'incoming' | 'paused'> {
  /** Bound for the incoming migration (default 60 s). */
  readonly timeoutMs?: number;
  /** Runs while the destination is still up after a completed load (e.g. save it again). */
  readonly afterLoad?: (vm: Vm) => Promise<void>;
}

export interface LoadResult extends IncomingResult {
  /** QEMU's stderr (QEMU reports load errors there). */
  readonly stderr: string;
  /** QEMU's exit code (it exits with 1 by itself when an incoming migration fails). */
  readonly exitCode: number | null;
}

/**
 * Starts a fresh paused VM with `-incoming defer`, loads `file` (`migrate-incoming exec:cat FILE`),
 * reports the result and ends the VM. Never throws for a rejected stream: that is `status: 'failed'`.
 */
export async function loadStream(file: string, options: LoadOptions): Promise<LoadResult> {
  const { timeoutMs, afterLoad, ...start } = options;
  const vm = await startVm({ ...start, incoming: 'defer' });
  try {
    const result = await migrateIncoming(vm, file, timeoutMs);
    if (result.status === 'completed' && afterLoad !== undefined) await afterLoad(vm);
    const exitCode = await vm.quit();
    return { ...result, stderr: vm.stderr(), exitCode };
  } finally {
    await vm.kill();
  }
}

// ------------------------------------------------------------------------------------------------
// one-shot invocations

/** First line of `qemu-system-x86_64 --version`. */
export async function qemuVersionLine(version: QemuVersionName = '7.2'): Promise<string> {
  const { stdout } = await runTracked(requireQemu(version).binary, ['--version'], 15_000);
  return stdout.split('\n')[0] ?? '';
}

/** Writes `-dump-vmstate` JSON for `machine` to `file` (QEMU exits right after). */
export async function dumpVmstate(
  machine: string,
  file: string,
  options: { readonly version?: QemuVersionName; readonly timeoutMs?: number } = {},
): Promise<void> {
  const install = requireQemu(options.version ?? '7.2');
  await runTracked(
    install.binary,
    ['-nodefaults', ...install.dumpArgs, '-M', machine, '-dump-vmstate', resolve(file)],
    options.timeoutMs ?? 30_000,
  );
}

/** Machine types a version supports (`-M help`; cached per process). */
export function listMachines(version: QemuVersionName = '7.2'): Promise<MachineInfo[]> {
  return machineTypes(version);
}
