import type { PathSegment } from '../../../errors/index.js';
import {
  type ConfigurationItem,
  isOpenCoded,
  NOT_IN_DUMPS,
  type SectionItem,
} from '../../../stream/index.js';
import type { Finding } from '../finding.js';
import type { CheckSection, DescriptionSet } from '../model.js';
import { sameDescription } from '../shape.js';
import { framingOf } from './framing.js';
import { type LoadResult, loadSection, type Read } from './load.js';
import { openPositional, StreamBytes, type StreamInput } from './positional.js';
import { pureRename } from './renames.js';
import { outline, type Section } from './sections.js';
import { type Leaf, type SentBody, senderLeaves, sentBody } from './sender.js';
import { streamFinding } from './stream-kinds.js';
import { formatValue, isZero } from './values.js';

export type StreamVerdictKind = 'loads' | 'refused';

/** One finding of `check STREAM DEST`: the check's `Finding` plus QEMU's rule and the byte offset. */
export interface StreamFinding extends Finding {
  /** The rule QEMU applies, named as its code does (function: what → errno / message). */
  readonly rule?: string;
  /** Absolute offset in the stream. */
  readonly offset?: number;
}

export interface StreamCheckReport {
  /** Will the destination QEMU load this stream? */
  readonly verdict: StreamVerdictKind;
  /** Errors are refusals; warnings are bytes read under another meaning (loads, with changes). */
  readonly findings: readonly StreamFinding[];
  /** The machine type in the stream's configuration section, when it has one. */
  readonly machine?: string;
  /** The destination dump's machine type. */
  readonly destinationMachine?: string;
  /** Device sections in the stream, and how many the destination's dump could check. */
  readonly sections: number;
  readonly checked: number;
  /** Findings of severity warning: places where the destination reads another meaning. */
  readonly changes: number;
}

export interface StreamCheckOptions {
  /** Leave out infos (not the verdict's business). */
  readonly hideInfo?: boolean;
  /**
   * Most sections the check holds (their headers and vmdesc entries, not their bytes); a stream
   * with more is a `bound-exceeded` MigrationError. Default 65536.
   */
  readonly maxSections?: number;
}

/** The description name a section id is built from: `0000:00:01.0/PIIX3` → `PIIX3`. */
function vmsdName(idstr: string): string {
  const slash = idstr.lastIndexOf('/');
  return slash < 0 ? idstr : idstr.slice(slash + 1);
}

/** The destination's candidate descriptions for a section: distinct descriptions of that name. */
function candidates(dest: DescriptionSet, name: string): CheckSection[] {
  const out: CheckSection[] = [];
  for (const s of dest.sections.values()) {
    if (s.description.name !== name) continue;
    if (out.some((o) => o.version === s.version && sameDescription(o.description, s.description))) continue;
    out.push(s);
  }
  return out;
}

function label(s: SectionItem): string {
  return s.instanceId === 0 ? s.idstr : `${s.idstr}#${s.instanceId}`;
}

/** Leaves of the sender under a subsection, as `name = value`. */
function sentValues(bytes: StreamBytes, leaves: readonly Leaf[], prefix: string): string[] {
  return leaves
    .filter((l) => l.path[0] === prefix)
    .map((l) => `${l.path.slice(1).join('.')} = ${formatValue(bytes.subarray(l.offset, l.offset + l.size))}`);
}

/** How well a destination's reads line up with what the sender wrote: misplaced or renamed leaves. */
function scorer(leaves: readonly Leaf[]): (reads: readonly Read[]) => number {
  const byOffset = new Map<number, Leaf>();
  for (const l of leaves) if (!byOffset.has(l.offset)) byOffset.set(l.offset, l);
  return (reads) => {
    let n = 0;
    for (const r of reads) {
      const l = byOffset.get(r.offset);
      if (!l || l.size !== r.size) n += 2;
      else if (l.path[l.path.length - 1] !== r.path[r.path.length - 1]) n += 1;
    }
    return n;
  };
}

/** How the destination's read of exactly one sender leaf changes its meaning, if it does. */
function leafChange(
  bytes: StreamBytes,
  path: readonly PathSegment[],
  r: Read,
  single: Leaf,
  leaves: readonly Leaf[],
): StreamFinding | undefined {
  const value = bytes.subarray(r.offset, r.offset + r.size);
  const zero = isZero(value);
  const dname = r.path[r.path.length - 1] as string;
  const dpath = r.path.join('.');
  const sname = single.path[single.path.length - 1] as string;
  const spath = single.path.join('.');
  if (sname === dname || pureRename(sname, dname)) return undefined;
  const senderPadding = single.type === 'unused_buffer' || sname === 'unused';
  if (r.padding && senderPadding) return undefined;
  if (senderPadding) {
    return streamFinding('paddingReadAsField', path, {
      sender: spath,
      destination: dpath,
      value: formatValue(value),
      zero,
      offset: r.offset,
    });
  }
  if (r.padding) {
    return streamFinding('readAsPadding', path, {
      sender: spath,
      value: formatValue(value),
      zero,
      offset: r.offset,
    });
  }
  // What the guest state of that name was on the sender, when it sent one: then the value the
  // destination ends up with is compared with it (esp-busy: 10.0's lun 1 becomes 7.2's ti_cmd,
  // and 7.2's lun takes 10.0's drq_state 0: lun changes from 1 to 0).
  const own = leaves.find((l) => l.path.join('.') === dpath && l.size === r.size);
  const before = own ? bytes.subarray(own.offset, own.offset + own.size) : undefined;
  return streamFinding('readAsOtherField', path, {
    sender: spath,
    destination: dpath,
    value: formatValue(value),
    zero,
    ...(before === undefined ? {} : { senderOwn: formatValue(before) }),
    same: before !== undefined && Buffer.compare(before, value) === 0,
    offset: r.offset,
  });
}

/** The destination reads bytes at another boundary than the sender's leaves. */
function boundaryChange(
  bytes: StreamBytes,
  path: readonly PathSegment[],
  r: Read,
  covering: readonly Leaf[],
): StreamFinding | undefined {
  const names = covering.map((l) => l.path.join('.'));
  if (names.length === 0) return undefined;
  const value = bytes.subarray(r.offset, r.offset + r.size);
  const zero = isZero(value);
  const dpath = r.path.join('.');
  return streamFinding('readAtOtherBoundary', path, {
    size: r.size,
    senders: names,
    destination: dpath,
    value: formatValue(value),
    zero,
    offset: r.offset,
  });
}

/** Places where the destination reads the sender's bytes under another meaning (issue 17). */
function changes(
  bytes: StreamBytes,
  section: string,
  reads: readonly Read[],
  leaves: readonly Leaf[],
): StreamFinding[] {
  const out: StreamFinding[] = [];
  for (const r of reads) {
    const covering = leaves.filter((l) => l.offset < r.offset + r.size && l.offset + l.size > r.offset);
    const path = [section, ...r.path];
    const single = covering.length === 1 ? (covering[0] as Leaf) : undefined;
    const change =
      single && single.offset === r.offset && single.size === r.size
        ? leafChange(bytes, path, r, single, leaves)
        : boundaryChange(bytes, path, r, covering);
    if (change) out.push(change);
  }
  return out;
}

/** Why a refused subsection was sent: the state values in it. */
function whySent(bytes: StreamBytes, leaves: readonly Leaf[], subsection: string): string {
  const values = sentValues(bytes, leaves, subsection);
  if (values.length === 0) return '';
  const nonZero = leaves
    .filter((l) => l.path[0] === subsection)
    .some((l) => !isZero(bytes.subarray(l.offset, l.offset + l.size)));
  return nonZero
    ? `; ${subsection} is sent because ${values.join(', ')}; its prevalent value is 0`
    : `; ${subsection} is sent with ${values.join(', ')} (all zero: its needed predicate looks at other state)`;
}

/** A section the destination's dump has no description for: not checked, and why. */
function uncheckedSection(h: SectionItem, name: string, where: readonly PathSegment[]): StreamFinding {
  if (NOT_IN_DUMPS.includes(name) || NOT_IN_DUMPS.includes(h.idstr)) {
    return streamFinding('sectionNeverDumped', where, { name, offset: h.offset ?? 0 });
  }
  // Not a refusal: a dump lists only device classes that carry a vmsd, and QEMU registers more
  // (5.2's dump has no ps2kbd or ps2mouse, and 5.2 loads both). A destination that really lacks
  // the device refuses with "Unknown savevm section or instance"; its dump cannot say which.
  return streamFinding('sectionNotInDump', where, {
    idstr: h.idstr,
    instance: h.instanceId,
    description: name,
    offset: h.offset ?? 0,
  });
}

/** The section header's version against one candidate's range: QEMU refuses before reading. */
function versionRefusal(
  h: SectionItem,
  cand: CheckSection,
  where: readonly PathSegment[],
): StreamFinding | undefined {
  if (h.version > cand.version) {
    return streamFinding('versionTooNew', where, {
      idstr: h.idstr,
      sent: h.version,
      version: cand.version,
      offset: h.offset ?? 0,
    });
  }
  if (h.version < cand.minimumVersion) {
    return streamFinding('versionTooOld', where, {
      idstr: h.idstr,
      sent: h.version,
      minimumVersion: cand.minimumVersion,
      offset: h.offset ?? 0,
    });
  }
  return undefined;
}

/** One section's bytes as the sender wrote them: its leaves and where its body lies. */
interface SentSection {
  readonly bytes: StreamBytes;
  readonly header: SectionItem;
  readonly where: readonly PathSegment[];
  readonly sent: SentBody | undefined;
  readonly start: number;
  readonly bodyEnd: number;
  readonly hasBody: boolean;
  readonly leaves: readonly Leaf[];
}

function sentSection(bytes: StreamBytes, s: Section): SentSection {
  const body = s.body;
  const sent = body?.vmdesc && !isOpenCoded(body.vmdesc) ? sentBody(body.vmdesc) : undefined;
  const start = body?.offset ?? 0;
  const leaves: Leaf[] = [];
  if (sent) senderLeaves(sent, start, leaves);
  return {
    bytes,
    header: s.header,
    where: [label(s.header)],
    sent,
    start,
    bodyEnd: start + (body?.size ?? 0),
    hasBody: body?.size !== undefined,
    leaves,
  };
}

interface Attempt {
  readonly cand: CheckSection;
  readonly result?: LoadResult;
  readonly refusal?: StreamFinding;
}

/** Each candidate description: refused by version, or loaded over the section's bytes. */
function attempts(s: SentSection, cands: readonly CheckSection[]): Attempt[] {
  const out: Attempt[] = [];
  for (const cand of cands) {
    const refusal = versionRefusal(s.header, cand, s.where);
    if (refusal) {
      out.push({ cand, refusal });
      continue;
    }
    if (!s.hasBody) continue;
    const result = loadSection({
      bytes: s.bytes,
      start: s.start,
      bodyEnd: s.bodyEnd,
      version: s.header.version,
      description: cand.description,
      sent: s.sent,
      leaves: s.leaves,
      score: scorer(s.leaves),
    });
    out.push({ cand, result });
  }
  return out;
}

/** What a successful load remarks on: counts taken from the sender, flipped predicates, changed meanings. */
function loadedFindings(s: SentSection, result: LoadResult, out: StreamFinding[]): void {
  const where = s.where;
  const counts = new Map<string, number>();
  for (const m of result.remarks) {
    if (m.code === 'count-from-sender') {
      // One line per section: the same field repeats in every element of an array.
      const name = m.path.filter((p) => !/^\d+$/.test(p)).join('.');
      counts.set(name, (m.details?.count as number | undefined) ?? 0);
      continue;
    }
    out.push(streamFinding('loaderRemark', [...where, ...m.path], m));
  }
  if (counts.size > 0) {
    out.push(streamFinding('countsFromSender', where, { counts }));
  }
  if (result.flipped.length > 0) {
    out.push(streamFinding('conditionsFlipped', where, { fields: result.flipped }));
  }
  out.push(...changes(s.bytes, label(s.header), result.reads, s.leaves));
}

/** Refused by every candidate: the first one's reason. */
function refusedFindings(s: SentSection, first: Attempt, out: StreamFinding[]): 'checked' | 'unchecked' {
  if (first.refusal) {
    out.push(first.refusal);
    return 'checked';
  }
  const refusal = first.result?.refusal;
  if (!refusal) return 'checked';
  const path = [...s.where, ...refusal.path];
  if (refusal.code === 'layout-undecided') {
    out.push(streamFinding('layoutUndecided', path, { refusal }));
    return 'unchecked';
  }
  const sub = refusal.subsection;
  const why = sub ? whySent(s.bytes, s.leaves, sub) : '';
  out.push(
    streamFinding('refused', path, {
      refusal,
      why,
      instance: s.header.instanceId,
      ...(sub
        ? { values: Object.fromEntries(sentValues(s.bytes, s.leaves, sub).map((v) => v.split(' = '))) }
        : {}),
      destinationSection: first.cand.key,
    }),
  );
  return 'checked';
}

function checkSection(
  bytes: StreamBytes,
  s: Section,
  dest: DescriptionSet,
  out: StreamFinding[],
): 'checked' | 'unchecked' {
  const name = vmsdName(s.header.idstr);
  const cands = candidates(dest, name);
  if (cands.length === 0) {
    out.push(uncheckedSection(s.header, name, [label(s.header)]));
    return 'unchecked';
  }
  const sent = sentSection(bytes, s);
  const tried = attempts(sent, cands);
  const loaded = tried.find((r) => r.result && !r.result.refusal);
  if (loaded?.result) {
    loadedFindings(sent, loaded.result, out);
    return 'checked';
  }
  const first = tried[0];
  return first ? refusedFindings(sent, first, out) : 'unchecked';
}

function configurationFindings(
  config: ConfigurationItem | undefined,
  dest: DescriptionSet,
  footers: boolean | undefined,
  out: StreamFinding[],
): void {
  const framing = framingOf(dest.machine);
  const m = dest.machine ?? '(unknown)';
  if (config && !framing.configuration) {
    out.push(
      streamFinding('configurationUnexpected', ['configuration'], {
        machine: config.machine,
        destination: m,
        offset: config.offset ?? 8,
      }),
    );
  }
  if (!config && framing.configuration) {
    out.push(streamFinding('configurationMissing', ['configuration'], { destination: m }));
  }
  if (config && framing.configuration && dest.machine !== undefined && config.machine !== dest.machine) {
    out.push(
      streamFinding('machineTypeDiffers', ['configuration'], {
        sender: config.machine,
        receiver: dest.machine,
        offset: config.offset ?? 8,
      }),
    );
  }
  if (footers !== undefined && footers !== framing.footers) {
    out.push(streamFinding('footerMismatch', [], { footers, destination: m }));
  }
}

/**
 * Will a QEMU whose `-dump-vmstate` is `destination` load this stream? Replays what QEMU's loader
 * checks (migration/savevm.c, vmstate.c): the configuration section and machine type, footers,
 * each section's version, its fields by the destination's layout over the stream's bytes, and its
 * subsections by name. Refusals are errors naming QEMU's rule and, for a subsection, the state
 * values that made the sender send it; warnings are bytes the destination reads under another
 * meaning. The stream is its bytes or a file's path: a file is read once as a stream (RAM pages
 * are never kept) and each section's bytes are read back by offset, so memory does not grow with
 * the stream.
 */
export async function checkStream(
  stream: StreamInput,
  destination: DescriptionSet,
  options: StreamCheckOptions = {},
): Promise<StreamCheckReport> {
  const { config, sections, footers } = await outline(stream, options.maxSections);
  const out: StreamFinding[] = [];
  configurationFindings(config, destination, footers, out);
  let checked = 0;
  const input = openPositional(stream);
  try {
    const bytes = new StreamBytes(input);
    for (const s of sections) if (checkSection(bytes, s, destination, out) === 'checked') checked++;
  } finally {
    input.close();
  }
  const findings = options.hideInfo ? out.filter((f) => f.severity !== 'info') : out;
  return {
    verdict: out.some((f) => f.severity === 'error') ? 'refused' : 'loads',
    findings,
    ...(config ? { machine: config.machine } : {}),
    ...(destination.machine === undefined ? {} : { destinationMachine: destination.machine }),
    sections: sections.length,
    checked,
    changes: out.filter((f) => f.severity === 'warning').length,
  };
}

/** The `--json` shape: `verdict` beside `findings`. */
export function streamCheckJson(report: StreamCheckReport): Record<string, unknown> {
  return {
    verdict: report.verdict,
    ...(report.machine === undefined ? {} : { machine: report.machine }),
    ...(report.destinationMachine === undefined ? {} : { destinationMachine: report.destinationMachine }),
    sections: report.sections,
    checked: report.checked,
    changes: report.changes,
    findings: report.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      path: f.path,
      message: f.message,
      ...(f.rule === undefined ? {} : { rule: f.rule }),
      ...(f.offset === undefined ? {} : { offset: f.offset }),
      ...(f.details === undefined ? {} : { details: f.details }),
    })),
  };
}
