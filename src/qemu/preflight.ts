/**
 * Pre-flight for a running QEMU VM: take its device state without RAM (QMP `xen-save-devices-state`;
 * the guest stops for about a millisecond and QEMU resumes it only if it was running) and give the
 * verdict `vmstate check STREAM DEST` gives for that state against the destination's `-dump-vmstate`.
 * Nothing is sent anywhere: the VM is left as it was.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  checkStream,
  type DescriptionSet,
  framingOf,
  type StreamCheckReport,
  type StreamFinding,
} from '../compat/index.js';
import { fail, MigrationError } from '../errors/index.js';
import { STREAM_MAGIC, STREAM_VERSION } from '../stream/index.js';
import { writeConfiguration } from '../stream/read/configuration.js';
import { Writer } from '../wire/index.js';
import { type LayoutCache, layoutCache, withSenderVmdesc } from './preflight-vmdesc.js';
import type { QmpArgs } from './qmp.js';

/** What pre-flight needs of a QMP connection (`QmpClient` fits). */
export interface QmpLink {
  command<T = unknown>(name: string, args?: QmpArgs, timeoutMs?: number): Promise<T>;
}

/** QMP `query-status`. */
export interface RunStatus {
  readonly status: string;
  readonly running: boolean;
}

export interface DeviceStateCapture {
  /** Every device section and no RAM, as QEMU wrote it. */
  readonly stream: Uint8Array;
  /** Wall time of the QMP command that stopped and resumed the guest: the guest's pause lies within it. */
  readonly pauseMs: number;
  readonly before: RunStatus;
  readonly after: RunStatus;
}

export interface CaptureOptions {
  /** Where the private temporary directory goes (default the OS's); QEMU must be able to write there. */
  readonly tmpDir?: string;
  /** Largest device-state file read back (default 64 MiB); a larger one is refused, not read. */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 64 << 20;

export function runStatus(qmp: QmpLink): Promise<RunStatus> {
  return qmp.command<RunStatus>('query-status');
}

async function readBounded(file: string, max: number): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size > max) {
      fail('bound-exceeded', `the device state QEMU wrote is ${size} bytes, over the ${max}-byte bound`, {
        details: { size, max },
      });
    }
    const bytes = new Uint8Array(size);
    const { bytesRead } = await handle.read(bytes, 0, size, 0);
    return bytes.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Device state of the VM behind `qmp`, without RAM: written by QEMU into a private temporary
 * directory (mode 0700, removed afterwards), read back, and the VM's run state before and after.
 */
export async function captureDeviceState(
  qmp: QmpLink,
  options: CaptureOptions = {},
): Promise<DeviceStateCapture> {
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'vmstate-preflight-'));
  try {
    const file = join(dir, 'devices.mig');
    const before = await runStatus(qmp);
    const start = performance.now();
    await qmp.command('xen-save-devices-state', { filename: file, live: false });
    const pauseMs = performance.now() - start;
    const after = await runStatus(qmp);
    const stream = await readBounded(file, options.maxBytes ?? DEFAULT_MAX_BYTES);
    return { stream, pauseMs, before, after };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** QOM type `pc-i440fx-7.2-machine` → machine type `pc-i440fx-7.2`, the name QEMU's stream carries. */
export function machineTypeOf(qomType: string): string {
  return qomType.endsWith('-machine') ? qomType.slice(0, -'-machine'.length) : qomType;
}

/** The VM's machine type (QMP `qom-get /machine type`). */
export async function machineType(qmp: QmpLink): Promise<string> {
  return machineTypeOf(await qmp.command<string>('qom-get', { path: '/machine', property: 'type' }));
}

/** Bytes of the stream header: magic `QEVM` and version 3. */
const HEADER_BYTES = 8;

/**
 * The device state as a migration would send it: `xen-save-devices-state` writes the header and
 * the device sections but not the configuration section (machine type) a migration puts between
 * them, and the destination checks that first. Put it back, with the VM's machine type, unless
 * that machine type sends none (2.3 and older: `send-configuration` off).
 */
export function asMigrationStream(deviceState: Uint8Array, machine: string): Uint8Array {
  const head = new DataView(deviceState.buffer, deviceState.byteOffset, deviceState.byteLength);
  if (
    deviceState.length < HEADER_BYTES ||
    head.getUint32(0) !== STREAM_MAGIC ||
    head.getUint32(4) !== STREAM_VERSION
  ) {
    fail('bad-header', 'the device state QEMU wrote does not start with a migration stream header', {
      offset: 0,
    });
  }
  if (!framingOf(machine).configuration) return deviceState;
  const w = new Writer(deviceState.length + machine.length + 16);
  w.bytes(deviceState.subarray(0, HEADER_BYTES));
  writeConfiguration(w, { type: 'configuration', machine, subsections: [] });
  w.bytes(deviceState.subarray(HEADER_BYTES));
  return w.finish();
}

export type Verdict = 'loads' | 'refused';

export interface PreflightResult {
  readonly verdict: Verdict;
  /** Why, as `vmstate check STREAM DEST` says it: each reason with the state values behind it. */
  readonly findings: readonly StreamFinding[];
  /** The VM's machine type, as its migration stream's configuration section names it. */
  readonly machine: string;
  /** Device sections in the state, and how many the source's dump described (0 without `source`). */
  readonly sections: number;
  readonly described: number;
  /** Size of the device state. */
  readonly bytes: number;
  /** The guest's pause lies within this (the QMP round trip of `xen-save-devices-state`). */
  readonly pauseMs: number;
  /** Whole pre-flight: QMP, reading and checking. */
  readonly elapsedMs: number;
  readonly before: RunStatus;
  readonly after: RunStatus;
}

export interface PreflightOptions extends CaptureOptions {
  /**
   * The source QEMU's `-dump-vmstate` for the VM's machine type (see `sourceDescriptions`). With it
   * the device state carries the vmdesc a migration would send: the sender's layout and field
   * names, so that reasons name the values behind them (`ltim = 0x08`). Without it, the checker
   * sees bytes only.
   */
  readonly source?: DescriptionSet;
  /** Readings of the source's layouts kept between asks about the same VM (see `LayoutCache`). */
  readonly layouts?: LayoutCache;
}

/** Takes the VM's device state now and says whether `destination` would load it. */
export async function preflight(
  qmp: QmpLink,
  destination: DescriptionSet,
  options: PreflightOptions = {},
): Promise<PreflightResult> {
  const start = performance.now();
  const machine = await machineType(qmp);
  const capture = await captureDeviceState(qmp, options);
  const framed = asMigrationStream(capture.stream, machine);
  const layouts = options.layouts ?? layoutCache();
  const sent =
    options.source === undefined ? undefined : await withSenderVmdesc(framed, options.source, layouts);
  let report: StreamCheckReport;
  try {
    report = await checkStream(sent?.stream ?? framed, destination);
  } catch (e) {
    if (!(e instanceof MigrationError) || options.source === undefined) throw e;
    // A layout remembered from an earlier ask no longer fits this state: read it afresh.
    layouts.bodies.clear();
    layouts.read.clear();
    report = await checkStream((await withSenderVmdesc(framed, options.source, layouts)).stream, destination);
  }
  return {
    verdict: report.verdict,
    findings: report.findings,
    machine,
    sections: report.sections,
    described: sent?.described ?? 0,
    bytes: capture.stream.length,
    pauseMs: capture.pauseMs,
    elapsedMs: performance.now() - start,
    before: capture.before,
    after: capture.after,
  };
}
