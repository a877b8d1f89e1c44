/**
 * Test harness that drives a real QEMU (`qemu-system-x86_64`) over QMP.
 *
 * Node built-ins only. Every QEMU process started here is tracked: `quit()` / `kill()` end it,
 * and a process `exit` hook SIGKILLs any that a failing test left behind. Only processes this
 * module started are ever signalled (by their own ChildProcess handle, never by name).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Default binary path (Debian's qemu-system-x86 package). */
export const DEFAULT_QEMU = '/usr/bin/qemu-system-x86_64';

/** Virtual RTC base: makes saves of a paused VM byte-reproducible. */
export const RTC_ARGS: readonly string[] = ['-rtc', 'base=2020-01-01T00:00:00,clock=vm'];

/** Options every VM gets: no default devices, no display. */
export const COMMON_ARGS: readonly string[] = ['-nodefaults', '-display', 'none'];

/** Default network options; replaced by `StartVmOptions.net`. */
export const NO_NET_ARGS: readonly string[] = ['-net', 'none'];

const INSTALL_HINT =
  'Install it with `apt-get update && apt-get install -y --no-install-recommends qemu-system-x86` ' +
  '(Debian 12 ships QEMU 7.2), or point the QEMU environment variable at a qemu-system-x86_64 binary.';

/** Path of the QEMU binary: `$QEMU`, else `/usr/bin/qemu-system-x86_64`. */
export function qemuBinary(): string {
  const fromEnv = process.env.QEMU;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_QEMU;
}

/** Throws a descriptive Error when the QEMU binary is missing or not executable; returns its path. */
export function assertQemu(): string {
  const bin = qemuBinary();
  try {
    accessSync(bin, constants.X_OK);
  } catch (cause) {
    throw new Error(
      `QEMU is required for these tests but ${bin} is not an executable file. ${INSTALL_HINT}`,
      {
        cause,
      },
    );
  }
  return bin;
}

/** Quote a string for /bin/sh (QEMU runs `exec:` URIs through `sh -c`). */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

// ------------------------------------------------------------------------------------------------
// process bookkeeping

const live = new Set<ChildProcess>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function track(child: ChildProcess, dir: string | undefined): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) {
        if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      }
      for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  live.add(child);
  if (dir !== undefined) liveDirs.add(dir);
}

function untrack(child: ChildProcess, dir: string | undefined): void {
  live.delete(child);
  if (dir !== undefined) {
    liveDirs.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Resolves with the first of `p` or `undefined` after `ms` (the timer is always cleared). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((res) => {
    timer = setTimeout(() => res(undefined), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function collect(stream: NodeJS.ReadableStream | null, max = 64 * 1024): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    if (text.length < max) text += chunk.slice(0, max - text.length);
  });
  return () => text;
}

// ------------------------------------------------------------------------------------------------
// QMP

/** A QMP `error` reply. */
export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(`QMP command '${command}' failed: ${errorClass}: ${desc}`);
    this.name = 'QmpError';
  }
}

/** The QMP connection closed (usually: QEMU exited) before the reply arrived. */
export class QmpClosedError extends Error {
  constructor(
    readonly command: string,
    detail: string,
  ) {
    super(`QMP connection closed while waiting for '${command}'${detail === '' ? '' : `: ${detail}`}`);
    this.name = 'QmpClosedError';
  }
}

export type QmpArgs = Readonly<Record<string, unknown>>;

interface Pending {
  readonly command: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export interface QmpConnectOptions {
  /** Give up connecting after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** Default per-command timeout (default 10 s). */
  readonly commandTimeoutMs?: number;
  /** Stop retrying early when this returns a reason (e.g. the QEMU process exited). */
  readonly abortReason?: () => string | undefined;
  /** Extra text appended to connection-lost errors (e.g. QEMU's stderr). */
  readonly context?: () => string;
}

/** Minimal QMP client: JSON lines over a unix socket, replies matched by `id`, events skipped. */
export class QmpClient {
  #buffer = '';
  #nextId = 1;
  #closed = false;
  readonly #pending = new Map<number, Pending>();
  readonly #greeting: Promise<unknown>;
  #greetingResolve: ((v: unknown) => void) | undefined;
  #greetingReject: ((e: Error) => void) | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly commandTimeoutMs: number,
    private readonly context: () => string,
  ) {
    this.#greeting = new Promise((res, rej) => {
      this.#greetingResolve = res;
      this.#greetingReject = rej;
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#onData(chunk));
    socket.on('error', () => this.#onClose());
    socket.on('close', () => this.#onClose());
  }

  /** Connects (retrying until the socket accepts), reads the greeting and negotiates capabilities. */
  static async connect(path: string, options: QmpConnectOptions = {}): Promise<QmpClient> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    let lastError: unknown;
    for (;;) {
      const abort = options.abortReason?.();
      if (abort !== undefined) throw new Error(`cannot connect to QMP at ${path}: ${abort}`);
      try {
        const socket = await connectOnce(path);
        const client = new QmpClient(
          socket,
          options.commandTimeoutMs ?? 10_000,
          options.context ?? (() => ''),
        );
        try {
          const greeting = await within(client.#greeting, Math.max(1, deadline - Date.now()));
          if (greeting === undefined) throw new Error('no QMP greeting');
          await client.command('qmp_capabilities');
          return client;
        } catch (e) {
          client.close();
          throw e;
        }
      } catch (e) {
        lastError = e;
      }
      if (Date.now() >= deadline) {
        throw new Error(`cannot connect to QMP at ${path}: ${String(lastError)}`, { cause: lastError });
      }
      await sleep(25);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs one QMP command; rejects with QmpError on an `error` reply, or on timeout / closed socket. */
  command<T = unknown>(name: string, args?: QmpArgs, timeoutMs = this.commandTimeoutMs): Promise<T> {
    if (this.#closed) return Promise.reject(new QmpClosedError(name, this.context()));
    const id = this.#nextId++;
    const msg: Record<string, unknown> = { execute: name, id };
    if (args !== undefined) msg.arguments = args;
    return new Promise<T>((res, rej) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        rej(new Error(`QMP command '${name}' timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, { command: name, resolve: res as (v: unknown) => void, reject: rej, timer });
      this.socket.write(`${JSON.stringify(msg)}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
    this.#onClose();
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    for (let nl = this.#buffer.indexOf('\n'); nl >= 0; nl = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, nl).trim();
      this.#buffer = this.#buffer.slice(nl + 1);
      if (line === '') continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        this.close(); // not QMP: fail every pending command instead of throwing from an event handler
        return;
      }
      this.#onMessage(msg);
    }
  }

  #onMessage(msg: Record<string, unknown>): void {
    if ('QMP' in msg) {
      this.#greetingResolve?.(msg.QMP);
      return;
    }
    if ('event' in msg) return;
    const id = msg.id;
    const pending = typeof id === 'number' ? this.#pending.get(id) : undefined;
    if (pending === undefined) return;
    this.#pending.delete(id as number);
    clearTimeout(pending.timer);
    if ('error' in msg) {
      const err = (msg.error ?? {}) as { class?: unknown; desc?: unknown };
      pending.reject(new QmpError(pending.command, String(err.class), String(err.desc)));
    } else {
      pending.resolve(msg.return);
    }
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.destroy();
    this.#greetingReject?.(new Error('QMP connection closed before the greeting'));
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new QmpClosedError(p.command, this.context()));
    }
    this.#pending.clear();
  }
}

function connectOnce(path: string): Promise<Socket> {
  return new Promise((res, rej) => {
    const s = createConnection(path);
    const onError = (e: Error): void => {
      s.destroy();
      rej(e);
    };
    s.once('error', onError);
    s.once('connect', () => {
      s.off('error', onError);
      res(s);
    });
  });
}

// ------------------------------------------------------------------------------------------------
// VMs

export interface StartVmOptions {
  /** Machine type, e.g. `pc-i440fx-7.2`. */
  readonly machine: string;
  /** Guest RAM in MiB (default 32). */
  readonly memMiB?: number;
  /** Start with `-S` (default true). */
  readonly paused?: boolean;
  /** Add `-incoming defer` (then use `migrate-incoming`). */
  readonly incoming?: 'defer';
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
  /** Full argv after the binary; the socket path appears as-is. */
  readonly args: readonly string[];
  /** QEMU version from the QMP greeting, e.g. `7.2.22`. */
  readonly version: string;
  /** Runs a QMP command (see QmpClient.command). */
  qmp<T = unknown>(command: string, args?: QmpArgs, timeoutMs?: number): Promise<T>;
  /** Everything QEMU wrote to stderr so far (capped at 64 KiB). */
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
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
  if (options.paused ?? true) args.push('-S');
  if (options.incoming === 'defer') args.push('-incoming', 'defer');
  if (options.extraArgs !== undefined) args.push(...options.extraArgs);
  return args;
}

/** Starts QEMU in a fresh short temp dir under /tmp and connects QMP. Kills QEMU if that fails. */
export async function startVm(options: StartVmOptions): Promise<Vm> {
  const bin = assertQemu();
  const dir = mkdtempSync('/tmp/vmq-');
  const socketPath = join(dir, 'qmp.sock');
  const args = vmArgs(options, socketPath);
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child, dir);
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
      abortReason: () =>
        spawnError !== undefined ? spawnError.message : hasExited() ? context() : undefined,
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
    args,
    version: `${v.major}.${v.minor}.${v.micro}`,
    qmp: (command, qargs, timeoutMs) => client.command(command, qargs, timeoutMs),
    stderr,
    exited,
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

async function pollMigration(vm: Vm, timeoutMs: number): Promise<MigrationInfo> {
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

export interface LoadOptions {
  readonly machine: string;
  readonly memMiB?: number;
  readonly net?: readonly string[];
  readonly extraArgs?: readonly string[];
  /** Bound for the incoming migration (default 60 s). */
  readonly timeoutMs?: number;
}

export interface LoadResult {
  /** Final incoming migration status; `failed` also when QEMU exited during the load. */
  readonly status: string;
  /** `query-status` runstate after the load, or undefined when QEMU had exited. */
  readonly runstate: string | undefined;
  readonly errorDesc?: string;
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
  const vm = await startVm({
    machine: options.machine,
    incoming: 'defer',
    ...(options.memMiB === undefined ? {} : { memMiB: options.memMiB }),
    ...(options.net === undefined ? {} : { net: options.net }),
    ...(options.extraArgs === undefined ? {} : { extraArgs: options.extraArgs }),
  });
  try {
    let info: MigrationInfo;
    let runstate: string | undefined;
    try {
      await vm.qmp('migrate-incoming', { uri: `exec:cat ${shellQuote(resolve(file))}` });
      info = await pollMigration(vm, options.timeoutMs ?? 60_000);
      runstate = (await vm.qmp<{ status: string }>('query-status')).status;
    } catch (e) {
      if (!(e instanceof QmpClosedError)) throw e;
      // QEMU 7.2 calls exit(1) when an incoming migration fails; often before we see `failed`.
      info = { status: 'failed' };
      runstate = undefined;
    }
    const exitCode = await vm.quit();
    const stderr = vm.stderr();
    const status = info.status ?? 'unknown';
    const desc = info['error-desc'] ?? (status === 'completed' ? undefined : stderr.trim());
    return { status, runstate, ...(desc === undefined ? {} : { errorDesc: desc }), stderr, exitCode };
  } finally {
    await vm.kill();
  }
}

// ------------------------------------------------------------------------------------------------
// one-shot invocations

function run(args: readonly string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  const bin = assertQemu();
  return new Promise((res, rej) => {
    const child = execFile(
      bin,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, cwd: '/' },
      (error, stdout, stderr) => {
        untrack(child, undefined);
        if (error) {
          rej(new Error(`${bin} ${args.join(' ')} failed: ${error.message}; stderr: ${stderr.trim()}`));
        } else {
          res({ stdout, stderr });
        }
      },
    );
    track(child, undefined);
  });
}

/** First line of `qemu-system-x86_64 --version`. */
export async function qemuVersion(): Promise<string> {
  const { stdout } = await run(['--version'], 10_000);
  return stdout.split('\n')[0] ?? '';
}

/** Writes `-dump-vmstate` JSON for `machine` to `file` (QEMU exits right after). */
export async function dumpVmstate(machine: string, file: string, timeoutMs = 30_000): Promise<void> {
  await run([...COMMON_ARGS, '-M', machine, '-dump-vmstate', resolve(file)], timeoutMs);
}

export interface MachineInfo {
  readonly name: string;
  readonly description: string;
  /** For an alias such as `pc`: the machine it stands for. */
  readonly aliasOf?: string;
  readonly isDefault: boolean;
  readonly deprecated: boolean;
}

/** Parses `-M help` output. */
export function parseMachineHelp(text: string): MachineInfo[] {
  const out: MachineInfo[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(.+)$/.exec(line);
    if (m === null || line.startsWith('Supported machines')) continue;
    const [, name = '', description = ''] = m;
    const alias = /\(alias of (\S+)\)/.exec(description)?.[1];
    out.push({
      name,
      description,
      ...(alias === undefined ? {} : { aliasOf: alias }),
      isDefault: description.includes('(default)'),
      deprecated: description.includes('(deprecated)'),
    });
  }
  return out;
}

/** Machine types this QEMU binary supports (`-M help`). */
export async function listMachines(): Promise<MachineInfo[]> {
  const { stdout } = await run(['-M', 'help'], 10_000);
  return parseMachineHelp(stdout);
}

/** Version numbers of a versioned machine name: `pc-q35-4.0.1` with family `pc-q35` → [4, 0, 1]. */
export function machineVersion(name: string, family: string): number[] | undefined {
  if (!name.startsWith(`${family}-`)) return undefined;
  const rest = name.slice(family.length + 1);
  if (!/^\d+(\.\d+)*$/.test(rest)) return undefined;
  return rest.split('.').map(Number);
}

/** Numeric comparison of version arrays ([2, 12] > [2, 2]; [4, 0, 1] > [4, 0]). */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** Oldest and newest versioned machine of a family (`pc-i440fx`, `pc-q35`), by numeric version. */
export function machineRange(
  machines: readonly MachineInfo[],
  family: string,
): { oldest: string; newest: string } | undefined {
  const versioned = machines
    .map((m) => ({ name: m.name, v: machineVersion(m.name, family) }))
    .filter((m): m is { name: string; v: number[] } => m.v !== undefined)
    .sort((a, b) => compareVersions(a.v, b.v));
  const first = versioned[0];
  const last = versioned[versioned.length - 1];
  return first === undefined || last === undefined ? undefined : { oldest: first.name, newest: last.name };
}
