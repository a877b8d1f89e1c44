import { readFile, stat } from 'node:fs/promises';
import type { VmdescBody, VmdescField } from '../../codec/index.js';
import { fail } from '../../errors/index.js';
import { pyJson } from '../analyze/pyjson.js';
import type { JsonValue } from '../analyze/state-json.js';
import type { StreamItem } from '../read/items.js';
import { readStream } from '../read/reader.js';
import type { StreamSource } from '../read/source.js';
import { fromVmdescBody, isOpenCoded, type Vmdesc, type VmdescEntry } from '../read/vmdesc.js';
import { type StreamSink, writeStream } from '../write/writer.js';

/**
 * Offline conversion of a QEMU stream for a receiver described by its `-dump-vmstate` JSON
 * (spec §14): every section, field and subsection the target cannot receive is listed, and
 * dropped only when the caller allows that loss by name. The target model is structural: the
 * checker's `DescriptionSet` (src/compat/check) fits it.
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

export type ChangeKind = 'section' | 'field' | 'subsection';

/** A piece of state the target cannot receive: dropped only when allowed. */
export interface Loss {
  /** `idstr[#instance]::field::…`: what `--allow-loss` names. */
  readonly path: string;
  readonly kind: ChangeKind;
  readonly reason: string;
  readonly allowed: boolean;
}

/** Something the conversion had to do besides dropping state. */
export interface Adjustment {
  readonly path: string;
  readonly what: string;
}

export interface ConvertReport {
  /** False when a loss was not allowed, or a section cannot be converted at all (nothing written). */
  readonly converted: boolean;
  readonly losses: readonly Loss[];
  /** Version downgrades and fields the target expects that had to be filled with zeros. */
  readonly adjustments: readonly Adjustment[];
  /** Changes no conversion can make (e.g. the stream is older than the target accepts). */
  readonly impossible: readonly Adjustment[];
  /** Sections the target's dump cannot tell about (objects without a qdev class), passed unchanged. */
  readonly unchecked: readonly string[];
  /** Bytes written (0 when not converted). */
  readonly bytes: number;
}

export interface ConvertOptions {
  /** Loss paths allowed (a path also allows everything under it). */
  readonly allowLoss?: readonly string[];
  /**
   * `qemu` (default when `vmstate/compat` is loaded and the target is a QEMU dump): decide with
   * `check STREAM DEST` (`convertForQemu`); `names`: this module's planner, by field names.
   */
  readonly planner?: 'qemu' | 'names';
  /**
   * Bytes read so far, over both passes: the stream is read twice (plan, then write), so the
   * total is twice its size; the second pass only when the conversion goes ahead.
   */
  readonly onProgress?: (read: number) => void;
}

/** Reader options reporting progress of pass `pass` (0 plan, 1 write) of a stream of `size` bytes. */
export function passProgress(
  options: ConvertOptions,
  pass: 0 | 1,
  size: number,
): { onProgress?: (offset: number) => void } {
  const report = options.onProgress;
  return report ? { onProgress: (offset: number) => report(pass * size + offset) } : {};
}

const INTS = new Set(['uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'int32', 'int64', 'bool']);

function sectionPath(idstr: string, instanceId: number): string {
  return instanceId === 0 ? idstr : `${idstr}#${instanceId}`;
}

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
    const names = shownNames(target.fields.map((f) => f.name));
    const byName = new Map(target.fields.map((f, i) => [names[i] as string, f]));
    const out: Obj = {};
    const fields: VmdescField[] = [];
    const sourceNames = new Set(body.fields.map((f) => f.name));
    // Target order: fields the source has (converted), or zeros for ones it expects and we lack.
    target.fields.forEach((tf, i) => {
      const name = names[i] as string;
      const exists = tf.conditional || tf.since <= version;
      if (!sourceNames.has(name)) {
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
      for (const sf of body.fields.filter((f) => f.name === name)) {
        if (!exists) {
          this.loss(
            `${path}::${name}`,
            'field',
            `the target reads it only from version ${tf.since} (converted stream: ${version})`,
          );
          continue;
        }
        if (INTS.has(sf.type) && !tf.struct && tf.size !== sf.size && tf.size > 0) {
          this.impossible.push({
            path: `${path}::${name}`,
            what: `size ${sf.size} in the stream, ${tf.size} in the target`,
          });
          continue;
        }
        if (sf.type === 'struct' && sf.struct && Array.isArray(sf.struct.fields) && tf.struct) {
          const value = state[name];
          if (sf.index !== undefined) {
            const list = (Array.isArray(out[name]) ? out[name] : []) as unknown[];
            const element = (value as unknown[])[sf.index] as Obj;
            const r = this.body(sf.struct, element, tf.struct, tf.struct.version, `${path}::${name}`);
            list.push(r.state);
            out[name] = list;
            fields.push({ ...sf, struct: r.body });
          } else if (sf.array_len !== undefined) {
            const results = (value as Obj[]).map((e) =>
              this.body(
                sf.struct as VmdescBody,
                e,
                tf.struct as TargetDescription,
                tf.struct?.version ?? 0,
                `${path}::${name}`,
              ),
            );
            out[name] = results.map((r) => r.state);
            fields.push({ ...sf, struct: (results[0] as { body: VmdescBody }).body });
          } else {
            const r = this.body(sf.struct, value as Obj, tf.struct, tf.struct.version, `${path}::${name}`);
            out[name] = r.state;
            fields.push({ ...sf, struct: r.body });
          }
          continue;
        }
        out[name] = state[name];
        fields.push(sf);
      }
    });
    for (const sf of body.fields) {
      if (!byName.has(sf.name))
        this.loss(`${path}::${sf.name}`, 'field', `the target's ${target.name} has no field "${sf.name}"`);
    }
    const subsections: VmdescBody[] = [];
    for (const sub of body.subsections ?? []) {
      const here = `${path}::${sub.vmsd_name}`;
      const ts = target.subsections.find((t) => t.name === sub.vmsd_name);
      if (!ts) {
        this.loss(here, 'subsection', `the target's ${target.name} has no subsection "${sub.vmsd_name}"`);
        continue;
      }
      let v = sub.version;
      if (v < ts.minimumVersion) {
        this.impossible.push({
          path: here,
          what: `version ${v} is below the target's minimum ${ts.minimumVersion}`,
        });
        continue;
      }
      if (v > ts.version) {
        this.adjustments.push({ path: here, what: `version ${v} written as ${ts.version}` });
        v = ts.version;
      }
      const r = this.body(sub, state[sub.vmsd_name] as Obj, ts, v, here);
      out[sub.vmsd_name] = r.state;
      subsections.push({ ...r.body, version: v });
    }
    const result: VmdescBody = { vmsd_name: body.vmsd_name, version: body.version, fields };
    if (subsections.length > 0) result.subsections = subsections;
    return { body: result, state: out };
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

function allowed(path: string, allow: readonly string[]): boolean {
  return allow.some((a) => path === a || path.startsWith(`${a}::`));
}

/**
 * Rewrites a QEMU stream for a receiver described by `target`. Reads the stream twice (first to
 * plan, then to write) so that nothing is written when a loss is refused. The stream needs its
 * vmdesc (a file, or bytes): it says what every section holds.
 *
 * For a QEMU dump target, once `vmstate/compat` is loaded, this hands over to its
 * `convertForQemu` (decided by `check STREAM DEST`, output re-checked; 24 of 24 outputs loaded by
 * the real 5.2/7.2/10.0), unless `planner: 'names'` asks for the planner below. That planner
 * matches fields by name: a pure rename is a loss there, and its rewrite can be refused by the
 * QEMU that loads the input as it is (the lab measured 0 of 104 of its outputs loading).
 */
/** What `vmstate/compat` registers: its QEMU-faithful converter (compat sits above this layer). */
export type QemuConverter = (
  bytes: Uint8Array,
  target: TargetSet,
  options: { readonly allowLoss?: readonly string[] },
) => Promise<{ report: ConvertReport; output?: Uint8Array }>;

let qemuConverter: QemuConverter | undefined;

/** Called by `vmstate/compat` when it loads (src/compat/check/stream/convert.ts). */
export function useQemuConverter(converter: QemuConverter): void {
  qemuConverter = converter;
}

async function writeAll(sink: StreamSink, bytes: Uint8Array): Promise<void> {
  if (typeof sink === 'function') {
    await sink(bytes);
    return;
  }
  await new Promise<void>((res, rej) => sink.write(bytes, (e) => (e ? rej(e) : res())));
}

export async function convertQemuStream(
  source: string | Uint8Array,
  target: TargetSet,
  sink: StreamSink | undefined,
  options: ConvertOptions = {},
): Promise<ConvertReport> {
  const fromDump = (target as { readonly origin?: string }).origin === 'qemu-dump';
  if (qemuConverter && fromDump && (options.planner ?? 'qemu') === 'qemu') {
    const bytes = typeof source === 'string' ? await readFile(source) : source;
    const { report, output } = await qemuConverter(bytes, target, {
      ...(options.allowLoss === undefined ? {} : { allowLoss: options.allowLoss }),
    });
    if (report.converted && output && sink) await writeAll(sink, output);
    options.onProgress?.(bytes.length * (report.converted && sink ? 2 : 1));
    return report;
  }
  const planner = new Planner();
  const unchecked: string[] = [];
  const plans: SectionPlan[] = [];
  let vmdesc: Vmdesc | undefined;
  let section: { idstr: string; instanceId: number; version: number } | undefined;
  let undescribed: { path: string; offset?: number } | undefined;
  const size = await sizeOf(source);
  for await (const item of readStream(source, passProgress(options, 0, size))) {
    if (item.type === 'section') section = item;
    else if (item.type === 'vmdesc') vmdesc = item.vmdesc;
    else if ((item.type === 'device' || item.type === 'opaque') && section) {
      const path = sectionPath(section.idstr, section.instanceId);
      const entry = item.vmdesc;
      if (!entry) {
        // Reported once the stream has been read: a damaged stream (a cut-off vmdesc) is
        // reported as what it is, by the reader, rather than as a stream without vmdesc.
        undescribed ??= { path, ...(item.offset === undefined ? {} : { offset: item.offset }) };
        continue;
      }
      const vmsdName = isOpenCoded(entry) ? entry.name : entry.vmsd_name;
      const t = targetFor(target, vmsdName);
      if (!t) {
        if (NOT_IN_DUMPS.includes(vmsdName) || NOT_IN_DUMPS.includes(section.idstr)) {
          unchecked.push(path);
          plans.push({ drop: false, version: section.version });
        } else {
          planner.loss(path, 'section', `the target has no device with a "${vmsdName}" description`);
          plans.push({ drop: true, version: section.version });
        }
        continue;
      }
      if (item.type === 'opaque' || isOpenCoded(entry)) {
        plans.push({ drop: false, version: section.version });
        continue;
      }
      let version = section.version;
      if (version < t.minimumVersion) {
        planner.impossible.push({
          path,
          what: `version ${version} is below the target's minimum ${t.minimumVersion}`,
        });
      } else if (version > t.version) {
        planner.adjustments.push({ path, what: `version ${version} written as ${t.version}` });
        version = t.version;
      }
      const r = planner.body(entry as VmdescBody, item.state, t, version, path);
      plans.push({
        drop: false,
        version,
        entry: { name: entry.name, instance_id: entry.instance_id, ...r.body, version },
        state: r.state,
      });
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
  const allow = options.allowLoss ?? [];
  const losses: Loss[] = planner.losses.map((l) => ({ ...l, allowed: allowed(l.path, allow) }));
  const converted = planner.impossible.length === 0 && losses.every((l) => l.allowed);
  let bytes = 0;
  if (converted && sink)
    bytes = await writeStream(rewrite(source, plans, vmdesc, passProgress(options, 1, size)), sink);
  return {
    converted,
    losses,
    adjustments: planner.adjustments,
    impossible: planner.impossible,
    unchecked,
    bytes,
  };
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
      const original = item.vmdesc;
      dropping = plan.drop;
      if (dropping) continue;
      yield pending.type === 'section' ? { ...pending, version: plan.version } : pending;
      pending = undefined;
      if (plan.entry && plan.state) {
        devices.push(plan.entry);
        yield {
          type: 'device',
          decodedBy: 'vmdesc',
          desc: fromVmdescBody(plan.entry as VmdescBody),
          state: plan.state,
        };
      } else {
        if (original) devices.push(original);
        yield item;
      }
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
    if (item.type === 'ram-page') {
      yield item;
      continue;
    }
    if (item.type === 'vmdesc' && vmdesc) {
      const next = { ...vmdesc, devices };
      const text =
        JSON.stringify(next) === JSON.stringify(item.vmdesc)
          ? item.text
          : pyJson(next as unknown as JsonValue);
      yield { type: 'vmdesc', text, vmdesc: next };
      continue;
    }
    yield item;
  }
}

/** The report as text: what was lost (and whether allowed), what was adjusted, what was not checked. */
export function formatConvertReport(r: ConvertReport): string {
  const lines: string[] = [];
  if (r.impossible.length > 0) {
    lines.push('cannot convert:');
    for (const x of r.impossible) lines.push(`  ${x.path}: ${x.what}`);
  }
  if (r.losses.length > 0) {
    lines.push(
      r.converted ? 'lost (allowed):' : 'the target cannot receive (allow each with --allow-loss PATH):',
    );
    for (const l of r.losses) lines.push(`  ${l.allowed ? 'allowed ' : ''}${l.kind} ${l.path}: ${l.reason}`);
  }
  if (r.adjustments.length > 0) {
    lines.push('adjusted:');
    for (const a of r.adjustments) lines.push(`  ${a.path}: ${a.what}`);
  }
  if (r.unchecked.length > 0) {
    lines.push(
      `not in the target's dump (objects without a device class), passed unchanged: ${r.unchecked.join(', ')}`,
    );
  }
  lines.push(
    r.converted
      ? `converted: ${r.bytes} bytes written${r.losses.length === 0 ? ', nothing lost' : `, ${r.losses.length} loss(es)`}`
      : 'not converted: nothing written',
  );
  return `${lines.join('\n')}\n`;
}

/** The size of a file or of bytes (0 for a file that cannot be stat-ed: the reader reports it). */
export async function sizeOf(source: StreamSource): Promise<number> {
  if (source instanceof Uint8Array) return source.length;
  if (typeof source !== 'string') return 0;
  return stat(source).then(
    (s) => s.size,
    () => 0,
  );
}
