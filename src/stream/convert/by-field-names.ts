import type { VmdescBody, VmdescField } from '../../codec/index.js';
import { fail } from '../../errors/index.js';
import { pyJson } from '../analyze/pyjson.js';
import type { JsonValue } from '../analyze/state-json.js';
import type { DeviceItem, OpaqueItem, StreamItem } from '../read/items.js';
import { readStream } from '../read/reader.js';
import { fromVmdescBody, isOpenCoded, type Vmdesc, type VmdescEntry } from '../read/vmdesc.js';
import { type StreamSink, writeStream } from '../write/writer.js';
import {
  type Adjustment,
  type ChangeKind,
  type ConvertOptions,
  type ConvertReport,
  decide,
  passProgress,
  sectionLabel,
  sizeOf,
} from './report.js';

/**
 * Offline conversion of a QEMU stream for a receiver described by its `-dump-vmstate` JSON
 * (spec §14), matching sections, fields and subsections **by name**: every one the target does not
 * have is listed, and dropped only when the caller allows that loss by name. The target model is
 * structural: the checker's `DescriptionSet` (src/compat/check) fits it.
 *
 * Names are not what QEMU loads by: a pure rename is a loss here, and the rewrite can be refused
 * by the QEMU that loads the input as it is (the lab measured 0 of 104 of its outputs loading).
 * For a QEMU target, vmstate/compat's `convertForQemu` decides with `check STREAM DEST` instead
 * (24 of 24 outputs loaded by the real 5.2/7.2/10.0); `vmstate convert --to DUMP.json` uses that.
 */

export interface TargetField {
  readonly name: string;
  /** The target reads the field only from this section version on (QEMU field `version_id`). */
  readonly since: number;
  /** A `field_exists` predicate decides (its value is unknown offline). */
  readonly conditional: boolean;
  /** Element size (host `sizeof` for structs). */
  readonly size: number;
  readonly count?: number;
  readonly struct?: TargetDescription;
}

export interface TargetDescription {
  readonly name: string;
  readonly version: number;
  readonly minimumVersion: number;
  readonly fields: readonly TargetField[];
  readonly subsections: readonly TargetDescription[];
}

export interface TargetSet {
  readonly label?: string;
  readonly machine?: string;
  readonly sections: ReadonlyMap<string, { readonly description: TargetDescription }>;
}

/**
 * Sections QEMU saves without a qdev class, which `-dump-vmstate` never lists (spec §14;
 * checked against QEMU 7.2 x86 streams and dumps). They cannot be checked and pass unchanged.
 */
export const NOT_IN_DUMPS: readonly string[] = [
  'ram',
  'timer',
  'cpu_common',
  'cpu',
  'apic',
  'kvmclock',
  'PCIBUS',
  'ide',
  'i2c_bus',
  'acpi_build',
  'globalstate',
  'slirp',
  'configuration',
  'block',
  'dirty-bitmap',
];

const INTS = new Set(['uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'int32', 'int64', 'bool']);

/** QEMU's `[k]` suffixes for repeated names (the vmdesc shows fields that way). */
function shownNames(names: readonly string[]): string[] {
  const total = new Map<string, number>();
  for (const n of names) total.set(n, (total.get(n) ?? 0) + 1);
  const seen = new Map<string, number>();
  return names.map((n) => {
    if ((total.get(n) ?? 0) < 2) return n;
    const k = seen.get(n) ?? 0;
    seen.set(n, k + 1);
    return `${n}[${k}]`;
  });
}

type Obj = Record<string, unknown>;

/** A body being rebuilt for the target: its vmdesc fields and its state, in the target's order. */
interface Rebuilt {
  readonly fields: VmdescField[];
  readonly state: Obj;
}

class Planner {
  readonly losses: { path: string; kind: ChangeKind; reason: string }[] = [];
  readonly adjustments: Adjustment[] = [];
  readonly impossible: Adjustment[] = [];
  private readonly lossSeen = new Set<string>();

  loss(path: string, kind: ChangeKind, reason: string): void {
    // Array elements share one path: a loss in every element is listed once.
    if (this.lossSeen.has(path)) return;
    this.lossSeen.add(path);
    this.losses.push({ path, kind, reason });
  }

  /**
   * The body the target receives, and the state with what it cannot receive removed. `state` is
   * the decoded state of `body` (descriptions from vmdesc nest subsections under their names).
   */
  body(
    body: VmdescBody,
    state: Obj,
    target: TargetDescription,
    version: number,
    path: string,
  ): { body: VmdescBody; state: Obj } {
    const out: Rebuilt = { fields: [], state: {} };
    const names = shownNames(target.fields.map((f) => f.name));
    // Target order: fields the source has (converted), or nothing for ones it expects and we lack.
    target.fields.forEach((tf, i) => {
      this.field(body, state, tf, names[i] as string, version, path, out);
    });
    const known = new Set(names);
    for (const sf of body.fields) {
      if (!known.has(sf.name))
        this.loss(`${path}::${sf.name}`, 'field', `the target's ${target.name} has no field "${sf.name}"`);
    }
    const subsections = this.subsections(body, state, target, path, out.state);
    const result: VmdescBody = { vmsd_name: body.vmsd_name, version: body.version, fields: out.fields };
    if (subsections.length > 0) result.subsections = subsections;
    return { body: result, state: out.state };
  }

  /** The target's field `name` (`tf`), from every source field of that name. */
  private field(
    body: VmdescBody,
    state: Obj,
    tf: TargetField,
    name: string,
    version: number,
    path: string,
    out: Rebuilt,
  ): void {
    const exists = tf.conditional || tf.since <= version;
    const sent = body.fields.filter((f) => f.name === name);
    if (sent.length === 0) {
      // Absent from the stream: a zero-length variable array, a false predicate, or a field this
      // sender does not have. A 7.2 dump cannot tell which, so nothing is invented for it.
      if (exists && !tf.conditional) {
        this.adjustments.push({
          path: `${path}::${name}`,
          what: 'not in the stream (empty array or not sent); the target receives none',
        });
      }
      return;
    }
    for (const sf of sent) {
      if (!exists) {
        const why = `the target reads it only from version ${tf.since} (converted stream: ${version})`;
        this.loss(`${path}::${name}`, 'field', why);
      } else if (INTS.has(sf.type) && !tf.struct && tf.size !== sf.size && tf.size > 0) {
        this.impossible.push({
          path: `${path}::${name}`,
          what: `size ${sf.size} in the stream, ${tf.size} in the target`,
        });
      } else if (sf.type === 'struct' && sf.struct && Array.isArray(sf.struct.fields) && tf.struct) {
        this.structField(sf, sf.struct, state[name], tf.struct, `${path}::${name}`, out);
      } else {
        out.state[name] = state[name];
        out.fields.push(sf);
      }
    }
  }

  /** A struct field: one element of a repeated name, an array of structs, or one struct. */
  private structField(
    sf: VmdescField,
    struct: VmdescBody,
    value: unknown,
    target: TargetDescription,
    path: string,
    out: Rebuilt,
  ): void {
    const name = sf.name;
    if (sf.index !== undefined) {
      const list = (Array.isArray(out.state[name]) ? out.state[name] : []) as unknown[];
      const r = this.body(struct, (value as unknown[])[sf.index] as Obj, target, target.version, path);
      list.push(r.state);
      out.state[name] = list;
      out.fields.push({ ...sf, struct: r.body });
    } else if (sf.array_len !== undefined) {
      const results = (value as Obj[]).map((e) => this.body(struct, e, target, target.version, path));
      out.state[name] = results.map((r) => r.state);
      out.fields.push({ ...sf, struct: (results[0] as { body: VmdescBody }).body });
    } else {
      const r = this.body(struct, value as Obj, target, target.version, path);
      out.state[name] = r.state;
      out.fields.push({ ...sf, struct: r.body });
    }
  }

  /** The subsections the target knows, each at a version it accepts; the others are losses. */
  private subsections(
    body: VmdescBody,
    state: Obj,
    target: TargetDescription,
    path: string,
    out: Obj,
  ): VmdescBody[] {
    const subsections: VmdescBody[] = [];
    for (const sub of body.subsections ?? []) {
      const here = `${path}::${sub.vmsd_name}`;
      const ts = target.subsections.find((t) => t.name === sub.vmsd_name);
      if (!ts) {
        this.loss(here, 'subsection', `the target's ${target.name} has no subsection "${sub.vmsd_name}"`);
        continue;
      }
      const v = this.version(here, sub.version, ts);
      if (v === undefined) continue;
      const r = this.body(sub, state[sub.vmsd_name] as Obj, ts, v, here);
      out[sub.vmsd_name] = r.state;
      subsections.push({ ...r.body, version: v });
    }
    return subsections;
  }

  /** The version `version` is written as for `target` (an adjustment), or undefined when it cannot be. */
  version(path: string, version: number, target: TargetDescription): number | undefined {
    if (version < target.minimumVersion) {
      this.impossible.push({
        path,
        what: `version ${version} is below the target's minimum ${target.minimumVersion}`,
      });
      return undefined;
    }
    if (version <= target.version) return version;
    this.adjustments.push({ path, what: `version ${version} written as ${target.version}` });
    return target.version;
  }
}

interface SectionPlan {
  /** Drop the whole section (a loss). */
  readonly drop: boolean;
  readonly version: number;
  readonly entry?: VmdescEntry;
  readonly state?: Obj;
}

function targetFor(target: TargetSet, vmsdName: string): TargetDescription | undefined {
  for (const s of target.sections.values()) if (s.description.name === vmsdName) return s.description;
  return undefined;
}

/** What the first pass found: a plan per FULL section, in stream order, and the vmdesc. */
interface Plans {
  readonly plans: SectionPlan[];
  readonly unchecked: string[];
  readonly vmdesc: Vmdesc | undefined;
}

type Section = { idstr: string; instanceId: number; version: number };

/** The plan for one device section (decoded by its vmdesc entry, or opaque). */
function planSection(
  planner: Planner,
  target: TargetSet,
  section: Section,
  item: DeviceItem | OpaqueItem,
  entry: VmdescEntry,
  unchecked: string[],
): SectionPlan {
  const path = sectionLabel(section.idstr, section.instanceId);
  const vmsdName = isOpenCoded(entry) ? entry.name : entry.vmsd_name;
  const t = targetFor(target, vmsdName);
  if (!t) {
    if (NOT_IN_DUMPS.includes(vmsdName) || NOT_IN_DUMPS.includes(section.idstr)) {
      unchecked.push(path);
      return { drop: false, version: section.version };
    }
    planner.loss(path, 'section', `the target has no device with a "${vmsdName}" description`);
    return { drop: true, version: section.version };
  }
  if (item.type === 'opaque' || isOpenCoded(entry)) return { drop: false, version: section.version };
  // A version below the target's minimum is impossible (reported); the section is planned anyway.
  const version = planner.version(path, section.version, t) ?? section.version;
  const r = planner.body(entry as VmdescBody, item.state, t, version, path);
  return {
    drop: false,
    version,
    entry: { name: entry.name, instance_id: entry.instance_id, ...r.body, version },
    state: r.state,
  };
}

/** The first pass: every section planned. A section without a vmdesc entry cannot be converted. */
async function plan(
  source: string | Uint8Array,
  target: TargetSet,
  planner: Planner,
  progress: { onProgress?: (offset: number) => void },
): Promise<Plans> {
  const plans: SectionPlan[] = [];
  const unchecked: string[] = [];
  let vmdesc: Vmdesc | undefined;
  let section: Section | undefined;
  let undescribed: { path: string; offset?: number } | undefined;
  for await (const item of readStream(source, progress)) {
    if (item.type === 'section') section = item;
    else if (item.type === 'vmdesc') vmdesc = item.vmdesc;
    else if ((item.type === 'device' || item.type === 'opaque') && section) {
      if (item.vmdesc) plans.push(planSection(planner, target, section, item, item.vmdesc, unchecked));
      else {
        // Reported once the stream has been read: a damaged stream (a cut-off vmdesc) is
        // reported as what it is, by the reader, rather than as a stream without vmdesc.
        const path = sectionLabel(section.idstr, section.instanceId);
        undescribed ??= { path, ...(item.offset === undefined ? {} : { offset: item.offset }) };
      }
    }
  }
  if (undescribed) {
    const { path, offset } = undescribed;
    fail(
      'unsupported',
      `section ${path} is not described by a vmdesc; conversion needs the stream's vmdesc`,
      {
        ...(offset === undefined ? {} : { offset }),
        path: [path],
      },
    );
  }
  return { plans, unchecked, vmdesc };
}

/**
 * Rewrites a QEMU stream for a receiver described by `target`, by field names (see above). Reads
 * the stream twice (first to plan, then to write) so that nothing is written when a loss is
 * refused. The stream needs its vmdesc (a file, or bytes): it says what every section holds.
 */
export async function convertByFieldNames(
  source: string | Uint8Array,
  target: TargetSet,
  sink: StreamSink | undefined,
  options: ConvertOptions = {},
): Promise<ConvertReport> {
  const planner = new Planner();
  const size = await sizeOf(source);
  const { plans, unchecked, vmdesc } = await plan(source, target, planner, passProgress(options, 0, size));
  const { losses, converted } = decide(planner.losses, planner.impossible, options.allowLoss);
  let bytes = 0;
  if (converted && sink)
    bytes = await writeStream(rewrite(source, plans, vmdesc, passProgress(options, 1, size)), sink);
  const { adjustments, impossible } = planner;
  return { converted, losses, adjustments, impossible, unchecked, bytes };
}

async function* rewrite(
  source: string | Uint8Array,
  plans: SectionPlan[],
  vmdesc: Vmdesc | undefined,
  progress: { onProgress?: (offset: number) => void },
): AsyncGenerator<StreamItem> {
  let i = -1;
  let pending: StreamItem | undefined;
  let dropping = false;
  const devices: VmdescEntry[] = [];
  for await (const item of readStream(source, progress)) {
    if (item.type === 'section' && (item.kind === 'full' || item.idstr !== 'ram')) {
      if (item.kind === 'full') i++;
      pending = item;
      continue;
    }
    if (pending && (item.type === 'device' || item.type === 'opaque')) {
      const plan = plans[i] as SectionPlan;
      dropping = plan.drop;
      if (dropping) continue;
      yield pending.type === 'section' ? { ...pending, version: plan.version } : pending;
      pending = undefined;
      yield* planned(plan, item, devices);
      continue;
    }
    if (item.type === 'section-end' && dropping) {
      dropping = false;
      continue;
    }
    if (pending) {
      yield pending;
      pending = undefined;
    }
    if (item.type === 'vmdesc' && vmdesc) yield rewrittenVmdesc(vmdesc, devices, item.vmdesc, item.text);
    else yield item;
  }
}

/** A kept section's body: rebuilt by its plan, or as read; its vmdesc entry goes to `devices`. */
function* planned(
  plan: SectionPlan,
  item: DeviceItem | OpaqueItem,
  devices: VmdescEntry[],
): Generator<StreamItem> {
  if (plan.entry && plan.state) {
    devices.push(plan.entry);
    yield {
      type: 'device',
      decodedBy: 'vmdesc',
      desc: fromVmdescBody(plan.entry as VmdescBody),
      state: plan.state,
    };
    return;
  }
  if (item.vmdesc) devices.push(item.vmdesc);
  yield item;
}

/** The vmdesc with the kept sections' entries; its text as read when nothing changed. */
function rewrittenVmdesc(vmdesc: Vmdesc, devices: VmdescEntry[], read: Vmdesc, text: string): StreamItem {
  const next = { ...vmdesc, devices };
  const same = JSON.stringify(next) === JSON.stringify(read);
  return { type: 'vmdesc', text: same ? text : pyJson(next as unknown as JsonValue), vmdesc: next };
}
