/** Runs one lab cell: a real save, a real load, and vmstate's verdict on the same bytes. */
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { checkStream, type StreamFinding } from '../../compat/index.js';
import { formatPath } from '../../errors/index.js';
import { type ConvertReport, convertQemuStream } from '../../stream/index.js';
import { loadStream, saveStream } from '../vm.js';
import type { LabArtifacts } from './artifacts.js';
import type { LabCell } from './cells.js';
import type { CellResult, ConvertSide, QemuSide, RoundTripSide, Verdict, VmstateSide } from './result.js';
import { compareRoundTrip } from './roundtrip.js';

export interface CellOptions {
  /** Also convert the stream for the destination and load the result (issue 10 item 5). */
  readonly convert?: boolean;
  /** Also save again from the destination after the load and compare (the round-trip oracle). */
  readonly roundTrip?: boolean;
  /** Bound for one load (default 60 s). */
  readonly timeoutMs?: number;
}

/**
 * QEMU's refusal in its own words: its stderr lines without the binary's name, its warnings
 * (deprecated machine type, a NIC without a peer) or module notices, at most 600 chars.
 */
export function qemuWords(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const lines = text
    .split('\n')
    .map((l) => l.replace(/^qemu-system-x86_64: /, '').trim())
    .filter((l) => l !== '' && !/^(qemu: )?module .* not found/.test(l) && !l.startsWith('warning:'));
  const out = lines.join(' / ');
  return out === '' ? undefined : out.slice(0, 600);
}

const findingText = (f: StreamFinding): string =>
  `${formatPath(f.path)}: ${f.message}${f.rule === undefined ? '' : ` [${f.rule}]`}`;

async function vmstateVerdict(stream: string, cell: LabCell, artifacts: LabArtifacts): Promise<VmstateSide> {
  const t0 = performance.now();
  const { set } = await artifacts.destination(cell.to, cell.machine);
  const report = await checkStream(await readFile(stream), set, { hideInfo: true });
  return {
    verdict: report.verdict,
    reasons: report.findings.filter((f) => f.severity === 'error').map(findingText),
    changes: report.findings.filter((f) => f.severity === 'warning').map(findingText),
    ms: Math.round(performance.now() - t0),
  };
}

async function qemuLoad(
  file: string,
  cell: LabCell,
  artifacts: LabArtifacts,
  options: CellOptions,
  resaveTo?: string,
): Promise<QemuSide> {
  const t0 = performance.now();
  const r = await loadStream(file, {
    machine: cell.machine,
    version: cell.to,
    floppy: artifacts.image(cell.workload),
    extraArgs: artifacts.deviceArgs(cell),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(resaveTo === undefined
      ? {}
      : {
          afterLoad: async (vm) => {
            const info = await saveStream(vm, resaveTo);
            if (info.status !== 'completed') throw new Error(`re-save failed: ${info['error-desc'] ?? ''}`);
          },
        }),
  });
  const verdict: Verdict = r.status === 'completed' ? 'loads' : 'refused';
  const error = verdict === 'refused' ? qemuWords(r.errorDesc ?? r.stderr) : undefined;
  return {
    verdict,
    status: r.status,
    ...(error === undefined ? {} : { error }),
    ms: Math.round(performance.now() - t0),
  };
}

async function convertAndLoad(
  stream: string,
  cell: LabCell,
  artifacts: LabArtifacts,
  options: CellOptions,
  scratch: string,
): Promise<ConvertSide> {
  const { set } = await artifacts.destination(cell.to, cell.machine);
  const first = await convertQemuStream(stream, set, undefined);
  const losses = first.losses.map((l) => l.path);
  const lossAllowed = !first.converted && first.impossible.length === 0 && losses.length > 0;
  if (!first.converted && !lossAllowed) return { converted: false, losses, lossAllowed: false };
  const out = join(scratch, 'converted.mig');
  const tmp = `${out}.tmp`;
  const sink = createWriteStream(tmp);
  let report: ConvertReport;
  try {
    report = await convertQemuStream(stream, set, sink, lossAllowed ? { allowLoss: losses } : {});
  } finally {
    sink.end();
    await finished(sink).catch(() => undefined);
  }
  if (!report.converted) {
    await rm(tmp, { force: true });
    return {
      converted: first.converted,
      losses,
      lossAllowed,
      error: 'convert refused even with the losses allowed',
    };
  }
  await rename(tmp, out);
  const loaded = await qemuLoad(out, cell, artifacts, options);
  return {
    converted: first.converted,
    losses,
    lossAllowed,
    loaded: loaded.verdict,
    ...(loaded.error === undefined ? {} : { error: loaded.error }),
  };
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, 600);

/** One cell, start to end. Never throws: a cell that cannot run records `error`. */
export async function runCell(
  cell: LabCell,
  artifacts: LabArtifacts,
  scratch: string,
  options: CellOptions = {},
): Promise<CellResult> {
  let stream: string;
  try {
    stream = await artifacts.sourceStream(cell);
  } catch (e) {
    return { cell, error: `source QEMU ${cell.from} did not save: ${message(e)}` };
  }
  const streamBytes = (await stat(stream)).size;
  let vmstate: VmstateSide | undefined;
  let vmstateError: string | undefined;
  try {
    vmstate = await vmstateVerdict(stream, cell, artifacts);
  } catch (e) {
    vmstateError = `vmstate check failed: ${message(e)}`;
  }
  const resaved = options.roundTrip ? join(scratch, 'resaved.mig') : undefined;
  let qemu: QemuSide;
  try {
    qemu = await qemuLoad(stream, cell, artifacts, options, resaved);
  } catch (e) {
    return { cell, streamBytes, error: `destination QEMU ${cell.to} did not run: ${message(e)}` };
  }
  let roundTrip: RoundTripSide | undefined;
  if (resaved !== undefined && qemu.verdict === 'loads') {
    try {
      roundTrip = await compareRoundTrip(stream, resaved);
    } catch (e) {
      roundTrip = { changes: [], sections: 0, error: `round trip failed: ${message(e)}` };
    }
  }
  let convert: ConvertSide | undefined;
  if (options.convert) {
    try {
      convert = await convertAndLoad(stream, cell, artifacts, options, scratch);
    } catch (e) {
      convert = { converted: false, losses: [], lossAllowed: false, error: `convert failed: ${message(e)}` };
    }
  }
  return {
    cell,
    streamBytes,
    qemu,
    ...(vmstate === undefined ? {} : { vmstate }),
    ...(vmstateError === undefined ? {} : { error: vmstateError }),
    ...(convert === undefined ? {} : { convert }),
    ...(roundTrip === undefined ? {} : { roundTrip }),
    agree: vmstate !== undefined && vmstate.verdict === qemu.verdict,
  };
}
