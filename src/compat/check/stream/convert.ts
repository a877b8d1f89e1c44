import type { VmdescBody } from '../../../codec/index.js';
import {
  type ConvertReport,
  type DeviceItem,
  findTrailer,
  isOpenCoded,
  type Loss,
  lossAllowed,
  type PyValue,
  pyJson,
  readStream,
  type SectionItem,
  sectionLabel,
  type Vmdesc,
  type VmdescEntry,
} from '../../../stream/index.js';
import type { DescriptionSet } from '../model.js';
import { checkStream, type StreamCheckReport, type StreamFinding } from './check-stream.js';
import { type Leaf, type SubsectionSpan, senderLeaves, sentBody } from './sender.js';

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

interface Cut {
  readonly start: number;
  readonly end: number;
  /** The vmdesc device entry and the subsection name to take out of it (none for a section). */
  readonly entry?: number;
  readonly subsection?: readonly string[];
}

/** Sections of the stream with their subsection spans and full extent (header to footer). */
async function layout(stream: Uint8Array): Promise<Map<string, { spans: SubsectionSpan[]; cut: Cut }>> {
  const out = new Map<string, { spans: SubsectionSpan[]; cut: Cut }>();
  let header: SectionItem | undefined;
  let device: DeviceItem | undefined;
  for await (const item of readStream(stream)) {
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

type Body = VmdescBody;

/** Takes subsection `path` (field names, then its name) out of a vmdesc body, everywhere it sits. */
function dropFromBody(body: Body, path: readonly string[]): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    if (body.subsections) body.subsections = body.subsections.filter((s) => s.vmsd_name !== head);
    return;
  }
  for (const f of body.fields) {
    if (f.name.replace(/\[\d+\]$/, '') !== head) continue;
    const next = /^\d+$/.test(rest[0] ?? '') ? rest.slice(1) : rest;
    if (f.struct && Array.isArray(f.struct.fields)) dropFromBody(f.struct, next);
    if (Array.isArray(f.fields)) dropFromBody(f as unknown as Body, next);
  }
}

function splice(stream: Uint8Array, cuts: readonly Cut[]): Uint8Array {
  const found = findTrailer(stream, 0);
  const end = found && found !== 'more' ? found.offset : stream.length;
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a.start - b.start)) {
    if (c.start < at) continue; // inside a cut already made (a section and its subsection)
    parts.push(stream.subarray(at, c.start));
    at = c.end;
  }
  parts.push(stream.subarray(at, end));
  if (found && found !== 'more') {
    const vmdesc = JSON.parse(found.text) as Vmdesc;
    const dropped = new Set<number>();
    for (const c of cuts) {
      if (c.entry === undefined) continue;
      if (c.subsection) dropFromBody(vmdesc.devices[c.entry] as unknown as Body, c.subsection);
      else dropped.add(c.entry);
    }
    vmdesc.devices = vmdesc.devices.filter((_d: VmdescEntry, i: number) => !dropped.has(i));
    const json = Buffer.from(pyJson(vmdesc as unknown as PyValue), 'utf8');
    const head = new Uint8Array(5);
    head[0] = 0x06;
    new DataView(head.buffer).setUint32(1, json.length);
    parts.push(head, json);
  }
  return Buffer.concat(parts);
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

export async function convertForQemu(
  stream: Uint8Array,
  target: DescriptionSet,
  options: QemuConvertOptions = {},
): Promise<{ report: QemuConvertReport; output?: Uint8Array }> {
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
    current = splice(current, cuts);
    check = await checkStream(current, target);
  }
  const converted = check.verdict === 'loads' && impossible.length === 0;
  const report: QemuConvertReport = {
    converted,
    losses: [...losses.values()],
    adjustments: [],
    impossible,
    unchecked,
    bytes: converted ? current.length : 0,
    check: converted ? check : first,
  };
  return converted ? { report, output: current } : { report };
}
