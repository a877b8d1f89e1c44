import type { PropValue } from '../../describe/index.js';
import { fail, type PathSegment } from '../../errors/index.js';
import { MACHINE_KEY } from './dump-json.js';
import type {
  CheckDescription,
  CheckField,
  CheckSection,
  CheckSubsection,
  DescriptionSet,
  Sending,
  Sent,
} from './model.js';

type Obj = Record<string, unknown>;

/** Where in the JSON we are, as a chain (materialized only for an error: most inputs are fine). */
interface At {
  readonly up: At | undefined;
  readonly seg: PathSegment;
}

type Path = At | undefined;

function at(up: Path, ...segs: PathSegment[]): Path {
  let out = up;
  for (const seg of segs) out = { up: out, seg };
  return out;
}

function bad(where: Path, what: string): never {
  const path: PathSegment[] = [];
  for (let p = where; p; p = p.up) path.unshift(p.seg);
  return fail('invalid-description', `not a -dump-vmstate file: ${what}`, { path });
}

function obj(v: unknown, path: Path): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'expected an object');
  return v as Obj;
}

function int(o: Obj, key: string, path: Path): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(at(path, key), `"${key}" must be an integer`);
  return v;
}

function optInt(o: Obj, key: string, path: Path): number | undefined {
  return o[key] === undefined ? undefined : int(o, key, path);
}

function str(o: Obj, key: string, path: Path): string {
  const v = o[key];
  if (typeof v !== 'string') bad(at(path, key), `"${key}" must be a string`);
  return v;
}

function flag(o: Obj, key: string, path: Path): boolean {
  const v = o[key];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') bad(at(path, key), `"${key}" must be true or false`);
  return v;
}

function optBool(o: Obj, key: string, path: Path): boolean | undefined {
  return o[key] === undefined ? undefined : flag(o, key, path);
}

function list(o: Obj, key: string, path: Path): readonly unknown[] {
  const v = o[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) bad(at(path, key), `"${key}" must be an array`);
  return v;
}

function sent(o: Obj, path: Path): Sent {
  const v = o.needed;
  if (v === undefined) return 'unknown';
  if (v === 'always') return 'always';
  if (v === 'predicate') return 'when-needed';
  return bad(at(path, 'needed'), '"needed" must be "always" or "predicate"');
}

/** Type names (ours: `vmstate dump` records them) of QEMU's list and tree codecs. */
const COLLECTIONS = new Set(['qtailq', 'qlist', 'gtree']);

/** Whether this dump records element counts (QEMU 8.1+ writes `num`); set per parse. */
let countsRecorded = false;

/** A field, every key checked in turn: the first bad one is the error (the fast path's fallback). */
function checkedField(raw: unknown, path: Path): CheckField {
  const o = obj(raw, path);
  const name = str(o, 'field', path);
  const type = o.type;
  if (type !== undefined && typeof type !== 'string') bad(at(path, 'type'), '"type" must be a string');
  // Built in place (no spreads): this runs for every field of a dump of hundreds of devices.
  const out: { -readonly [K in keyof CheckField]: CheckField[K] } = {
    name,
    since: int(o, 'version_id', path),
    conditional: flag(o, 'field_exists', path),
    size: int(o, 'size', path),
    // Lists and trees repeat their element a variable number of times, like a varray.
    varray: flag(o, 'varray', path) || (typeof type === 'string' && COLLECTIONS.has(type)),
    vbuffer: flag(o, 'vbuffer', path),
    // QEMU names its padding "unused" (VMSTATE_UNUSED*); our dumps say so explicitly.
    unused: optBool(o, 'unused', path) ?? name === 'unused',
    pointer: flag(o, 'pointer', path),
  };
  const existsUnderMachine = optBool(o, 'exists_under_machine', path);
  if (existsUnderMachine !== undefined) out.existsUnderMachine = existsUnderMachine;
  const count = optInt(o, 'num', path);
  if (count !== undefined) out.count = count;
  out.countsRecorded = countsRecorded;
  if (type !== undefined) out.type = type;
  if (o.Description !== undefined) out.struct = description(o.Description, at(path, 'Description'));
  // QEMU loads list and tree elements at the field's own version_id.
  const loadVersion =
    optInt(o, 'load_version', path) ??
    (out.varray && COLLECTIONS.has(type as string) ? out.since : undefined);
  if (loadVersion !== undefined) out.loadVersion = loadVersion;
  return out;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isFlag = (v: unknown): v is boolean | undefined => v === undefined || typeof v === 'boolean';
const optIntOk = (v: unknown): v is number | undefined => v === undefined || isInt(v);

/**
 * A field, read for a dump of thousands of them: every key is loaded once and checked inline, the
 * result always has the same keys in the same order (one object shape for the comparison to read),
 * and the JSON path is built only for a nested description. A key of the wrong kind falls back to
 * checkedField, which reads the field key by key as before and so names the same first problem.
 */
function field(raw: unknown, up: Path, index: number): CheckField {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return checkedField(raw, at(up, 'Fields', index));
  }
  const o = raw as Obj;
  const { field: name, type, version_id: since, size, num, load_version } = o;
  const conditional = o.field_exists;
  const varray = o.varray;
  const vbuffer = o.vbuffer;
  const unused = o.unused;
  const pointer = o.pointer;
  const existsUnderMachine = o.exists_under_machine;
  if (
    typeof name !== 'string' ||
    (type !== undefined && typeof type !== 'string') ||
    !isInt(since) ||
    !isFlag(conditional) ||
    !isInt(size) ||
    !isFlag(varray) ||
    !isFlag(vbuffer) ||
    !isFlag(unused) ||
    !isFlag(pointer) ||
    !isFlag(existsUnderMachine) ||
    !optIntOk(num) ||
    !optIntOk(load_version)
  ) {
    return checkedField(raw, at(up, 'Fields', index));
  }
  // Lists and trees repeat their element a variable number of times, like a varray.
  const collection = type !== undefined && COLLECTIONS.has(type);
  const isVarray = varray === true || collection;
  let struct: CheckDescription | undefined;
  if (o.Description !== undefined)
    struct = description(o.Description, at(up, 'Fields', index, 'Description'));
  const out: { -readonly [K in keyof CheckField]-?: CheckField[K] | undefined } = {
    name,
    since,
    conditional: conditional === true,
    size,
    varray: isVarray,
    vbuffer: vbuffer === true,
    // QEMU names its padding "unused" (VMSTATE_UNUSED*); our dumps say so explicitly.
    unused: unused ?? name === 'unused',
    pointer: pointer === true,
    existsUnderMachine,
    count: num,
    countsRecorded,
    type,
    struct,
    // QEMU loads list and tree elements at the field's own version_id.
    loadVersion: load_version ?? (isVarray && collection ? since : undefined),
  };
  return out as CheckField;
}

function description(raw: unknown, path: Path): CheckDescription {
  const o = obj(raw, path);
  return {
    name: str(o, 'name', path),
    version: int(o, 'version_id', path),
    minimumVersion: int(o, 'minimum_version_id', path),
    fields: list(o, 'Fields', path).map((f, i) => field(f, path, i)),
    subsections: list(o, 'Subsections', path).map((s, i) => subsection(s, at(path, 'Subsections', i))),
  };
}

/** How a section or subsection is sent; every key present (undefined when the input does not say). */
function sending(o: Obj, path: Path): { -readonly [K in keyof Sending]-?: Sending[K] | undefined } {
  const dependsOn = list(o, 'depends_on', path).map((p, i) =>
    typeof p === 'string' ? p : bad(at(path, 'depends_on', i), 'property names must be strings'),
  );
  const neededUnderMachine = optBool(o, 'needed_under_machine', path);
  let neededByMachine: Record<string, boolean | null> | undefined;
  if (o.needed_by_machine !== undefined) {
    const where = at(path, 'needed_by_machine');
    neededByMachine = { ...obj(o.needed_by_machine, where) } as Record<string, boolean | null>;
    for (const [m, v] of Object.entries(neededByMachine)) {
      if (v !== null && typeof v !== 'boolean') bad(at(where, m), 'values must be true, false or null');
    }
  }
  return { sent: sent(o, path), dependsOn, neededUnderMachine, neededByMachine };
}

function subsection(raw: unknown, path: Path): CheckSubsection {
  const o = obj(raw, path);
  const d = description(o, path);
  const how = sending(o, path);
  // Built in place, not spread: one object shape for every subsection.
  const out: { -readonly [K in keyof CheckSubsection]-?: CheckSubsection[K] | undefined } = {
    name: d.name,
    version: d.version,
    minimumVersion: d.minimumVersion,
    fields: d.fields,
    subsections: d.subsections,
    sent: how.sent,
    dependsOn: how.dependsOn,
    neededUnderMachine: how.neededUnderMachine,
    neededByMachine: how.neededByMachine,
  };
  return out as CheckSubsection;
}

function section(key: string, raw: unknown): CheckSection {
  const here = at(undefined, key);
  const o = obj(raw, here);
  if (o.idstr !== undefined) str(o, 'idstr', here);
  const version = int(o, 'version_id', here);
  const minimumVersion = int(o, 'minimum_version_id', here);
  const how = sending(o, here);
  const out: { -readonly [K in keyof CheckSection]-?: CheckSection[K] | undefined } = {
    key,
    keyOnWire: o.idstr !== undefined,
    version,
    minimumVersion,
    sent: how.sent,
    dependsOn: how.dependsOn,
    neededUnderMachine: how.neededUnderMachine,
    neededByMachine: how.neededByMachine,
    description: description(o.Description, at(here, 'Description')),
  };
  return out as CheckSection;
}

function props(raw: unknown): Record<string, PropValue> | undefined {
  if (raw === undefined) return undefined;
  const o = obj(raw, at(undefined, MACHINE_KEY, 'props'));
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      bad(at(undefined, MACHINE_KEY, 'props', k), 'property values must be strings, numbers or booleans');
    }
  }
  return o as Record<string, PropValue>;
}

/**
 * Reads parsed `-dump-vmstate` JSON (QEMU's, or `vmstate dump` output with its extra keys) into
 * the checker's model. Throws `MigrationError` `invalid-description` (with the JSON path) when the
 * value is not of that shape.
 */
export function fromDumpVmstate(
  json: unknown,
  label: string,
  origin: DescriptionSet['origin'] = 'qemu-dump',
): DescriptionSet {
  return fromDumpJson(json, label, origin, JSON.stringify(json).includes('"num":'));
}

/** fromDumpVmstate with `counts` (whether any object has the key "num") already known from the text. */
export function fromDumpJson(
  json: unknown,
  label: string,
  origin: DescriptionSet['origin'],
  counts: boolean,
): DescriptionSet {
  const top = obj(json, undefined);
  countsRecorded = counts;
  const sections = new Map<string, CheckSection>();
  let machine: string | undefined;
  let machineProps: Record<string, PropValue> | undefined;
  for (const [key, value] of Object.entries(top)) {
    if (key === MACHINE_KEY) {
      const here = at(undefined, key);
      const m = obj(value, here);
      machine = str(m, 'Name', here);
      machineProps = props(m.props);
      continue;
    }
    sections.set(key, section(key, value));
  }
  return {
    label,
    origin,
    ...(machine === undefined ? {} : { machine }),
    ...(machineProps === undefined ? {} : { props: machineProps }),
    sections,
  };
}
