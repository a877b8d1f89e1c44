import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ConvertReport,
  type DeviceItem,
  isOpenCoded,
  type Loss,
  lossAllowed,
  readStream,
  type SectionItem,
  sectionLabel,
  type WritableSink,
  writeChunks,
} from '../../../stream/index.js';
import type { DescriptionSet } from '../model.js';
import { checkStream, type StreamCheckReport, type StreamFinding } from './check-stream.js';
import { chunksOf, concatPieces, writePiecesToFile } from './pieces.js';
import { inputSize, openPositional, type StreamInput } from './positional.js';
import { type Leaf, type SubsectionSpan, senderLeaves, sentBody } from './sender.js';
import { type Cut, splice } from './splice.js';

/**
 * `vmstate convert STREAM --to DUMP.json`: makes a stream one QEMU wrote loadable by the QEMU
 * whose `-dump-vmstate` is `target`, changing only what the target would refuse. The decision is
 * `checkStream`'s: a stream it says loads is written back unchanged (whatever the names in the
 * two versions); a refused subsection or section is cut out of the bytes (VMState has no lengths
 * around it) only when `--allow-loss` names it; a machine type, a version or a layout that
 * differs cannot be converted. The result is checked again and never reported converted unless
 * the target loads it.
 */

export interface QemuConvertReport extends ConvertReport {
  /** The check of what would be written (of the input when nothing could be written). */
  readonly check: StreamCheckReport;
}

export interface QemuConvertOptions {
  /** Loss paths allowed: `idstr[#instance]::…::subsection`, or just the subsection's name. */
  readonly allowLoss?: readonly string[];
}

/** Sections of the stream with their subsection spans and full extent (header to footer). */
async function layout(stream: StreamInput): Promise<Map<string, { spans: SubsectionSpan[]; cut: Cut }>> {
  const out = new Map<string, { spans: SubsectionSpan[]; cut: Cut }>();
  let header: SectionItem | undefined;
  let device: DeviceItem | undefined;
  for await (const item of readStream(stream, { ramPages: 'count' })) {
    if (item.type === 'section') {
      header = item;
      device = undefined;
    } else if (item.type === 'device') device = item;
    else if (item.type === 'section-end' && header?.kind === 'full') {
      const spans: SubsectionSpan[] = [];
      const entry = device?.vmdesc;
      const start = device?.offset ?? 0;
      if (device && entry && !isOpenCoded(entry))
        senderLeaves(sentBody(entry), start, [] as Leaf[], [], spans);
      out.set(sectionLabel(header.idstr, header.instanceId), {
        spans,
        cut: {
          start: header.offset ?? 0,
          end: (item.offset ?? 0) + (item.footer ? 5 : 0),
          ...(device?.vmdescIndex === undefined ? {} : { entry: device.vmdescIndex }),
        },
      });
    }
  }
  return out;
}

/** A refusal that cutting bytes can answer: an unknown subsection or section the sender sent. */
function cutFor(
  f: StreamFinding,
  sections: Map<string, { spans: SubsectionSpan[]; cut: Cut }>,
): { path: string; kind: Loss['kind']; reason: string; cuts: Cut[] } | undefined {
  const section = String(f.path[0]);
  const s = sections.get(section);
  if (!s) return undefined;
  if (f.code === 'unknown-section') {
    const name = String(f.details?.description ?? section);
    return {
      path: section,
      kind: 'section',
      reason: `the target has no device with a "${name}" description (${f.message.replace(/^.*QEMU says /, 'QEMU says ')})`,
      cuts: [s.cut],
    };
  }
  if (f.code !== 'unknown-subsection' && !(f.code === 'version-too-new' && f.path.length > 1))
    return undefined;
  const span = s.spans.find((x) => x.start === f.offset);
  if (!span) return undefined;
  // Array elements share one path (the index is left out), as `--allow-loss` names them; the
  // same subsection in every element goes at once (the vmdesc describes them together).
  const key = (p: readonly string[]) => p.filter((x) => !/^\d+$/.test(x)).join('::');
  const path = [section, key(span.path)].join('::');
  return {
    path,
    kind: 'subsection',
    reason: f.message,
    cuts: s.spans
      .filter((x) => key(x.path) === key(span.path))
      .map((x) => ({
        start: x.start,
        end: x.end,
        ...(s.cut.entry === undefined ? {} : { entry: s.cut.entry }),
        subsection: x.path,
      })),
  };
}

/** QEMU stops at the first refusal: cutting one may reveal the next (another array element). */
const MAX_ROUNDS = 256;

/** Makes the stream without the cuts: bytes in memory, or a new temporary file. */
type Splicer<T extends StreamInput> = (current: T, cuts: readonly Cut[]) => Promise<T>;

/** The rounds of check and cut (see the module comment); `output` is the stream the target loads. */
async function convertRounds<T extends StreamInput>(
  stream: T,
  target: DescriptionSet,
  options: QemuConvertOptions,
  next: Splicer<T>,
): Promise<{ report: QemuConvertReport; output?: T }> {
  const allow = options.allowLoss ?? [];
  const first = await checkStream(stream, target);
  const unchecked = first.findings
    .filter((f) => f.code === 'section-unchecked')
    .map((f) => String(f.path[0]));
  const losses = new Map<string, Loss>();
  const impossible: { path: string; what: string }[] = [];
  if (first.machine !== undefined && target.machine !== undefined && first.machine !== target.machine) {
    impossible.push({
      path: 'configuration',
      what:
        `the stream is machine type ${first.machine} and the target ${target.machine}: a machine type is ` +
        'guest-visible hardware, so convert does not change it (QEMU refuses to load across machine types)',
    });
  }
  let current = stream;
  let check = first;
  for (let round = 0; round < MAX_ROUNDS && check.verdict === 'refused'; round++) {
    const sections = await layout(current);
    const cuts: Cut[] = [];
    for (const f of check.findings) {
      if (f.severity !== 'error') continue;
      const c = cutFor(f, sections);
      if (!c) {
        // The machine type is guest-visible hardware; versions and layouts are the device's code.
        impossible.push({ path: f.path.join('::') || '(stream)', what: f.message });
        continue;
      }
      // A subsection may be allowed by its name alone (QemuConvertOptions.allowLoss).
      const allowed = lossAllowed(c.path, allow, true);
      if (!losses.has(c.path)) losses.set(c.path, { path: c.path, kind: c.kind, reason: c.reason, allowed });
      if (allowed) cuts.push(...c.cuts);
    }
    const refused = [...losses.values()].some((l) => !l.allowed);
    if (impossible.length > 0 || refused || cuts.length === 0) break;
    current = await next(current, cuts);
    check = await checkStream(current, target);
  }
  const converted = check.verdict === 'loads' && impossible.length === 0;
  const report: QemuConvertReport = {
    converted,
    losses: [...losses.values()],
    adjustments: [],
    impossible,
    unchecked,
    bytes: converted ? inputSize(current) : 0,
    check: converted ? check : first,
  };
  return converted ? { report, output: current } : { report };
}

/**
 * Converts a stream given as bytes (see the module comment): the output is bytes too, returned
 * only when the target loads it.
 */
export async function convertForQemu(
  stream: Uint8Array,
  target: DescriptionSet,
  options: QemuConvertOptions = {},
): Promise<{ report: QemuConvertReport; output?: Uint8Array }> {
  const next: Splicer<Uint8Array> = async (current, cuts) => {
    const input = openPositional(current);
    return concatPieces(input, splice(input, cuts));
  };
  return convertRounds(stream, target, options, next);
}

/** A converted stream, handed to the caller to write before its temporary files go. */
export interface ConvertedStream {
  readonly size: number;
  /** Writes it to a Writable in 1 MiB chunks (never held whole). */
  writeTo(sink: WritableSink): Promise<void>;
}

/**
 * Each round's stream as a file in a temporary directory (the previous round's file removed):
 * a file input is never held in memory, and the check reads every round back by offset.
 */
class FileRounds {
  private dir: string | undefined;
  private n = 0;
  private last: string | undefined;

  readonly next: Splicer<string> = async (current, cuts) => {
    const input = openPositional(current);
    let path: string;
    try {
      const pieces = splice(input, cuts);
      this.dir ??= await mkdtemp(join(tmpdir(), 'vmstate-convert-'));
      path = join(this.dir, `round-${++this.n}.mig`);
      writePiecesToFile(input, pieces, path);
    } finally {
      input.close();
    }
    if (this.last !== undefined) await rm(this.last, { force: true });
    this.last = path;
    return path;
  };

  async dispose(): Promise<void> {
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Converts the stream in a file (see the module comment) with memory that does not grow with it:
 * the check reads the file as a stream and each section back by offset, a cut is a new temporary
 * file, and the result is handed to `write` (only when the target loads it) to be copied out in
 * chunks. Temporary files are removed on every path, errors included.
 */
export async function convertFileForQemu(
  file: string,
  target: DescriptionSet,
  options: QemuConvertOptions = {},
  write?: (output: ConvertedStream) => Promise<void>,
): Promise<QemuConvertReport> {
  const rounds = new FileRounds();
  try {
    const { report, output } = await convertRounds(file, target, options, rounds.next);
    if (output !== undefined && write) {
      await write({
        size: report.bytes,
        async writeTo(sink) {
          const input = openPositional(output);
          try {
            await writeChunks(chunksOf(input, [{ start: 0, end: input.size }], true), sink);
          } finally {
            input.close();
          }
        },
      });
    }
    return report;
  } finally {
    await rounds.dispose();
  }
}
