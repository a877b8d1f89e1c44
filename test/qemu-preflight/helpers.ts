/** Real QEMU set-ups shared by the pre-flight and guarded-migration tests (and bench/preflight). */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type DescriptionSet, loadDescriptionSet } from '../../src/compat/index.js';
import {
  dumpVmstate,
  type Guest,
  guestImage,
  type QemuVersionName,
  requireQemu,
  startVm,
  type Vm,
  writeFloppy,
} from '../../src/qemu/index.js';
import { readStream } from '../../src/stream/index.js';

export const MACHINE = 'pc-i440fx-7.2';

/** A scratch directory and the QEMUs these tests need (a missing one fails loudly, never skips). */
export function scratch(prefix: string): { dir: string; cleanup(): void } {
  for (const v of ['7.2', '10.0'] as const) requireQemu(v);
  const dir = mkdtempSync(`/tmp/vmq-${prefix}-`);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A version's `-dump-vmstate` for MACHINE, as a description set. */
export async function dumpOf(version: QemuVersionName, dir: string): Promise<DescriptionSet> {
  const file = join(dir, `dump-${version}.json`);
  await dumpVmstate(MACHINE, file, { version });
  return loadDescriptionSet(file);
}

/** Writes the guest's floppy image into `dir` and returns its path. */
export function imageOf(guest: Guest, dir: string): string {
  const file = join(dir, `${guest.name}.img`);
  writeFloppy(file, guestImage(guest));
  return file;
}

/** A running VM booting `image`; `qmpSocket` adds a second QMP monitor there (for the CLI). */
export function runGuest(
  version: QemuVersionName,
  image: string,
  memMiB: number,
  extra: { qmpSocket?: string; paused?: boolean; incomingPort?: number } = {},
): Promise<Vm> {
  const extraArgs: string[] = [];
  if (extra.qmpSocket !== undefined) extraArgs.push('-qmp', `unix:${extra.qmpSocket},server=on,wait=off`);
  if (extra.incomingPort !== undefined) extraArgs.push('-incoming', `tcp:127.0.0.1:${extra.incomingPort}`);
  return startVm({
    machine: MACHINE,
    version,
    memMiB,
    floppy: image,
    paused: extra.paused ?? false,
    extraArgs,
  });
}

/** Re-initialises the master PIC through the monitor's port writes: level- (LTIM) or edge-triggered. */
export async function programPic(vm: Vm, ltim: boolean): Promise<void> {
  for (const [port, value] of [
    [0x20, ltim ? 0x19 : 0x11],
    [0x21, 0x08],
    [0x21, 0x04],
    [0x21, 0x01],
  ] as const) {
    await vm.qmp('human-monitor-command', {
      'command-line': `o /b 0x${port.toString(16)} 0x${value.toString(16)}`,
    });
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const address = server.address();
  await new Promise<void>((res) => server.close(() => res()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * A TCP relay between a migrating source and its destination that reads what passes with our own
 * stream reader: how many bytes went through, and which FULL (device) sections began.
 */
export interface Relay {
  readonly uri: string;
  connections(): number;
  bytes(): number;
  /** Device sections (FULL) seen in the stream so far, by idstr. */
  deviceSections(): readonly string[];
  /** RAM page bytes seen. */
  ramPageBytes(): number;
  /** Resolves when the connection ended and the reader has read all it got. */
  finished(): Promise<void>;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number): Promise<Relay> {
  let connections = 0;
  let bytes = 0;
  let ramPageBytes = 0;
  const devices: string[] = [];
  const sockets: Socket[] = [];
  let reading: Promise<void> = Promise.resolve();
  const server: Server = createServer((client) => {
    connections++;
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.push(client, upstream);
    const tap = new PassThrough();
    client.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    client.pipe(tap);
    client.on('close', () => tap.end());
    reading = (async () => {
      try {
        for await (const item of readStream(tap, { vmdesc: 'none' })) {
          if (item.type === 'section' && item.kind === 'full') devices.push(item.idstr);
          else if (item.type === 'ram-page') ramPageBytes += item.data.length;
        }
      } catch {
        // A stream cut short (cancelled, destination gone) ends here: what was read is counted.
        tap.resume();
      }
    })();
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    uri: `tcp:127.0.0.1:${address.port}`,
    connections: () => connections,
    bytes: () => bytes,
    deviceSections: () => devices,
    ramPageBytes: () => ramPageBytes,
    finished: () => reading,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

/** QMP `query-status`. */
export async function runstate(vm: Vm): Promise<string> {
  return (await vm.qmp<{ status: string }>('query-status')).status;
}
