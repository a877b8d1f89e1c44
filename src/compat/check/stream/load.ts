import type { FindingCode, Severity } from '../finding.js';
import type { CheckDescription, CheckField } from '../model.js';
import type { StreamBytes } from './positional.js';
import type { Leaf, SentBody, SentField } from './sender.js';

/**
 * The destination's load of one section, replayed over the stream's bytes with the destination's
 * descriptions, the way QEMU's `vmstate_load_state` / `vmstate_subsection_load` (migration/vmstate.c)
 * read it: fields in the destination's order and sizes, then subsections looked up by name.
 *
 * A `-dump-vmstate` JSON does not say everything QEMU knows while loading: `field_exists`
 * predicates (the dump only says there is one), element counts before QEMU 8.1 (`num`), and the
 * size of variable fields (buffers, virtio, PCI config). Those are taken from the sender's vmdesc,
 * field by name; conditional fields are first assumed present exactly when the sender wrote a
 * field of that name and size, and when that does not fit the bytes, the fewest changes to that
 * choice that make the section end where it does are searched for (`flipped` names them).
 */

export interface Refusal {
  readonly code: FindingCode;
  /** The rule in QEMU's words and place, e.g. `vmstate_subsection_load: unknown subsection → -ENOENT`. */
  readonly rule: string;
  readonly path: readonly string[];
  readonly offset: number;
  readonly message: string;
  /** A refused subsection's name (its values explain why it was sent). */
  readonly subsection?: string;
  /** The refusal comes from bytes read at another place than written (not a rule about names). */
  readonly layout: boolean;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Bytes the destination reads into one of its fields. */
export interface Read {
  readonly path: readonly string[];
  readonly offset: number;
  readonly size: number;
  readonly padding: boolean;
}

/** Something worth saying that does not decide the verdict. */
export interface Remark {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly path: readonly string[];
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface LoadResult {
  /** Where the destination stops reading the section (where it then expects the footer). */
  readonly end: number;
  readonly refusal?: Refusal;
  readonly reads: readonly Read[];
  readonly remarks: readonly Remark[];
  /** Conditional fields whose presence had to differ from the sender's choice to fit the bytes. */
  readonly flipped: readonly string[];
}

class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

const SUBSECTION = 0x05;

interface Walk {
  readonly bytes: StreamBytes;
  pos: number;
  readonly decide: (key: string, label: string, preferred: boolean) => boolean;
  /** The sender's leaf starting at this offset, if any. */
  readonly at: (offset: number) => Leaf | undefined;
  readonly reads: Read[];
  readonly remarks: Remark[];
  readonly seen: Map<string, { label: string; preferred: boolean }>;
}

function be32(bytes: StreamBytes, at: number): number {
  return (
    (((bytes.byte(at) as number) << 24) |
      ((bytes.byte(at + 1) as number) << 16) |
      ((bytes.byte(at + 2) as number) << 8) |
      (bytes.byte(at + 3) as number)) >>>
    0
  );
}

function advance(w: Walk, n: number, path: readonly string[]): void {
  if (w.pos + n > w.bytes.length) {
    throw new Refused({
      code: 'unknown-section',
      rule: 'qemu_get_buffer: end of stream → -EIO',
      path,
      offset: w.pos,
      message: `the destination reads ${n} bytes for ${path.join('.')} past the end of the stream`,
      layout: true,
    });
  }
  w.pos += n;
}

/**
 * Sent fields not yet matched, consumed in order by name. A vmdesc `name[n]` is the n-th field of
 * that name in the sender's description and matches only the destination's n-th.
 */
class Cursor {
  private next = 0;
  constructor(private readonly fields: readonly SentField[]) {}
  private find(name: string, occurrence: number): number {
    for (let i = this.next; i < this.fields.length; i++) {
      const f = this.fields[i] as SentField;
      if (f.name === name && (f.occurrence === undefined || f.occurrence === occurrence)) return i;
    }
    return -1;
  }
  peek(name: string, occurrence: number): SentField | undefined {
    const i = this.find(name, occurrence);
    return i < 0 ? undefined : this.fields[i];
  }
  take(name: string, occurrence: number): SentField | undefined {
    const i = this.find(name, occurrence);
    if (i < 0) return undefined;
    this.next = i + 1;
    return this.fields[i];
  }
}

/** Bytes of one element of a field the dump sizes itself; undefined when the dump cannot say. */
function fixedElement(f: CheckField): number | undefined {
  if (f.varray || f.vbuffer || f.pointer || f.size === 0) return undefined;
  return f.size;
}

/** Whether the sender's field of that name can be this one (same bytes per element where both say). */
function fits(f: CheckField, s: SentField | undefined): boolean {
  if (!s) return false;
  if (f.struct) return s.elements !== undefined || s.inline !== undefined;
  const e = fixedElement(f);
  if (e === undefined) return true;
  return f.count === undefined ? (s.size * s.count) % e === 0 : e * f.count === s.size * s.count;
}

/** One field of a description being walked: where it is and which occurrence of its name. */
interface FieldAt {
  readonly f: CheckField;
  /** Index in the description's field list. */
  readonly k: number;
  /** Key of the field's presence decision (unique in the section). */
  readonly fkey: string;
  readonly here: readonly string[];
  readonly occurrence: number;
}

/** Whether the destination reads this field here: its `since`, or (conditional) a decision tried both ways. */
function presence(
  w: Walk,
  d: CheckDescription,
  at: FieldAt,
  cursor: Cursor,
  depth: number,
  version: number,
): boolean {
  const { f, k, fkey, here, occurrence } = at;
  if (!f.conditional) return f.since <= version;
  if (f.existsUnderMachine !== undefined) return f.existsUnderMachine;
  // Assumed present when the sender wrote a field of this name, or one of exactly this size
  // right here (the same field renamed); otherwise absent, and only turning it on is tried.
  const there = w.at(w.pos);
  const bytes = f.count === undefined ? fixedElement(f) : (fixedElement(f) ?? 0) * f.count;
  const thereName = there?.path[depth];
  const renamed =
    there !== undefined &&
    !f.struct &&
    bytes !== undefined &&
    there.size === bytes &&
    !d.fields.slice(k + 1).some((g) => g.name === thereName);
  const preferred = fits(f, cursor.peek(f.name, occurrence)) || renamed;
  w.seen.set(fkey, { label: here.join('.'), preferred });
  return w.decide(fkey, here.join('.'), preferred);
}

/** The element count: the dump's, else the sender's (said in a remark), else decided. */
function elementCount(w: Walk, at: FieldAt, s: SentField | undefined): number {
  const { f, fkey, here } = at;
  if (f.count !== undefined) return f.count;
  const e = fixedElement(f);
  if (s) {
    const count = f.struct || e === undefined ? s.count : (s.size * s.count) / e;
    if (count !== 1) {
      w.remarks.push({
        code: 'count-from-sender',
        severity: 'info',
        path: here,
        message: `the destination's dump does not record the element count of "${f.name}" (QEMU before 8.1 omits num); the sender's ${count} is taken`,
        details: { count },
      });
    }
    return count;
  }
  // No count in the dump and no field of this name from the sender: the field under another
  // name (take the count from the sender's field at this place, when the bytes divide), or a
  // variable array the sender wrote no element of (the vmdesc then lists nothing).
  const there = w.at(w.pos);
  const positional =
    there && e !== undefined && !f.struct && there.size % e === 0 ? there.size / e : undefined;
  // Only an array of structs may be empty here (hotplug slots and the like): a conditional
  // field's absence is its presence decision, and a plain field reads its bytes.
  const mayBeEmpty = !f.conditional && f.struct !== undefined;
  if (mayBeEmpty) w.seen.set(`${fkey}#`, { label: `${here.join('.')} (count 0)`, preferred: false });
  const count = mayBeEmpty && w.decide(`${fkey}#`, '', false) ? 0 : (positional ?? 1);
  if (count > 1) {
    w.remarks.push({
      code: 'count-from-sender',
      severity: 'info',
      path: here,
      message: `the destination's dump does not record the element count of "${f.name}" (QEMU before 8.1 omits num); the ${count} of the sender's ${there?.path.join('.')} at the same place is taken`,
      details: { count, from: there?.path.join('.') },
    });
  }
  return count;
}

/** Each element of a struct field, by the destination's nested description. */
function walkNested(
  w: Walk,
  at: FieldAt,
  nested: CheckDescription,
  s: SentField | undefined,
  count: number,
): void {
  const { f, fkey, here } = at;
  const version = f.loadVersion ?? nested.version;
  for (let e = 0; e < count; e++) {
    const body = s?.inline ?? s?.elements?.[e] ?? s?.elements?.[0];
    if (body && body.version > nested.version && e === 0 && f.loadVersion === undefined) {
      w.remarks.push({
        code: 'nested-version',
        severity: 'warning',
        path: here,
        message:
          `nested description "${nested.name}" is at version ${body.version} on the sender and ${nested.version} on the destination: ` +
          'a nested version does not travel, so the destination reads the bytes by its own version-' +
          `${nested.version} layout`,
        details: { sender: body.version, destination: nested.version },
      });
    }
    walkDescription(w, nested, version, body, count > 1 ? [...here, String(e)] : here, `${fkey}.${e}`);
  }
}

/** A leaf field's bytes: the dump's size, or the sender's for a size the dump cannot give. */
function readLeaf(w: Walk, at: FieldAt, s: SentField | undefined, count: number): void {
  const { f, here } = at;
  const element = fixedElement(f);
  let bytes: number;
  if (element === undefined) {
    if (!s) {
      throw new Refused({
        code: 'layout-undecided',
        rule: "variable-size field without the sender's size",
        path: here,
        offset: w.pos,
        message: `"${f.name}" has a size the destination's dump does not give, and the sender wrote no field of that name`,
        layout: true,
      });
    }
    bytes = s.size * s.count;
  } else bytes = element * count;
  w.reads.push({ path: here, offset: w.pos, size: bytes, padding: f.unused });
  advance(w, bytes, here);
}

function walkDescription(
  w: Walk,
  d: CheckDescription,
  version: number,
  sent: SentBody | undefined,
  path: readonly string[],
  key: string,
): void {
  const cursor = new Cursor(sent?.fields ?? []);
  const seen = new Map<string, number>();
  d.fields.forEach((f, k) => {
    const occurrence = seen.get(f.name) ?? 0;
    seen.set(f.name, occurrence + 1);
    const at: FieldAt = { f, k, fkey: `${key}/${k}`, here: [...path, f.name], occurrence };
    if (!presence(w, d, at, cursor, path.length, version)) return;
    const s = fits(f, cursor.peek(f.name, occurrence)) ? cursor.take(f.name, occurrence) : undefined;
    const count = elementCount(w, at, s);
    if (f.struct) walkNested(w, at, f.struct, s, count);
    else readLeaf(w, at, s, count);
  });
  loadSubsections(w, d, sent, path, key);
}

/** `vmstate_subsection_load`: while the next byte is 0x05, a subsection of this description. */
function loadSubsections(
  w: Walk,
  d: CheckDescription,
  sent: SentBody | undefined,
  path: readonly string[],
  key: string,
): void {
  const b = w.bytes;
  while (b.byte(w.pos) === SUBSECTION) {
    const len = b.byte(w.pos + 1) ?? 0;
    // "(short)" and "(prefix)": not a subsection of this description; the bytes stay for the caller.
    if (len < d.name.length + 1 || w.pos + 2 + len + 4 > b.length) return;
    const name = String.fromCharCode(...b.subarray(w.pos + 2, w.pos + 2 + len));
    if (!name.startsWith(d.name)) return;
    const sub = d.subsections.find((s) => s.name === name);
    const sentSub = sent?.subsections.find((s) => s.name === name);
    if (!sub) {
      throw new Refused({
        code: 'unknown-subsection',
        rule: 'vmstate_subsection_load: unknown subsection ("(lookup)") → -ENOENT',
        path: [...path, name],
        offset: w.pos,
        message: `the destination's "${d.name}" has no subsection "${name}": QEMU fails the load with -ENOENT`,
        subsection: name,
        layout: sentSub === undefined,
      });
    }
    const version = be32(b, w.pos + 2 + len);
    if (version > sub.version || version < sub.minimumVersion) {
      const tooNew = version > sub.version;
      throw new Refused({
        code: tooNew ? 'version-too-new' : 'version-too-old',
        rule: `vmstate_load_state: version_id ${tooNew ? '>' : '<'} ${tooNew ? 'version_id' : 'minimum_version_id'} → -EINVAL`,
        path: [...path, name],
        offset: w.pos,
        message: tooNew
          ? `subsection "${name}" arrives at version ${version}, above the destination's ${sub.version}`
          : `subsection "${name}" arrives at version ${version}, below the destination's minimum ${sub.minimumVersion}`,
        subsection: name,
        layout: sentSub === undefined,
        details: { sent: version, version: sub.version, minimumVersion: sub.minimumVersion },
      });
    }
    w.pos += 2 + len + 4;
    walkDescription(w, sub, version, sentSub, [name], `${key}/${name}`);
  }
}

export interface LoadInput {
  /** The whole stream's bytes, by absolute offset. */
  readonly bytes: StreamBytes;
  /** Offset of the section body. */
  readonly start: number;
  /** Where the sender's body ends (its footer, or the next section). */
  readonly bodyEnd: number;
  readonly version: number;
  readonly description: CheckDescription;
  readonly sent: SentBody | undefined;
  /** The sender's leaves (from its vmdesc), where it has one. */
  readonly leaves: readonly Leaf[];
  /** Scores a set of reads: lower is closer to what the sender wrote (used to pick among fits). */
  readonly score: (reads: readonly Read[]) => number;
}

function attempt(
  input: LoadInput,
  overrides: ReadonlySet<string>,
): LoadResult & { seen: Map<string, { label: string; preferred: boolean }> } {
  const byOffset = new Map<number, Leaf>();
  for (const l of input.leaves) if (!byOffset.has(l.offset)) byOffset.set(l.offset, l);
  const w: Walk = {
    at: (offset) => byOffset.get(offset),
    bytes: input.bytes,
    pos: input.start,
    decide: (key, _label, preferred) => (overrides.has(key) ? !preferred : preferred),
    reads: [],
    remarks: [],
    seen: new Map(),
  };
  let refusal: Refusal | undefined;
  try {
    walkDescription(w, input.description, input.version, input.sent, [], '');
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    refusal = e.refusal;
  }
  if (!refusal && w.pos !== input.bodyEnd) {
    refusal = {
      code: 'layout-misread',
      rule: 'check_section_footer: "Missing section footer" → -EINVAL',
      path: [],
      offset: w.pos,
      message:
        `the destination's fields end at byte ${w.pos - input.start} of the section and the sender's at ` +
        `${input.bodyEnd - input.start}: it reads the rest of the section under other fields and misses the section's end`,
      layout: true,
      details: { destinationBytes: w.pos - input.start, senderBytes: input.bodyEnd - input.start },
    };
  }
  return {
    end: w.pos,
    ...(refusal ? { refusal } : {}),
    reads: w.reads,
    remarks: w.remarks,
    flipped: [...overrides].map((k) => w.seen.get(k)?.label ?? k),
    seen: w.seen,
  };
}

/** Subsets of `keys` of size `n`, in order. */
function* subsets(keys: readonly string[], n: number, from = 0): Generator<string[]> {
  if (n === 0) {
    yield [];
    return;
  }
  for (let i = from; i <= keys.length - n; i++) {
    for (const rest of subsets(keys, n - 1, i + 1)) yield [keys[i] as string, ...rest];
  }
}

/** Most conditional fields whose presence is changed together when searching for a fit. */
const MAX_FLIPS = 3;

/** Replays the destination's load of one section (see the module comment). */
export function loadSection(input: LoadInput): LoadResult {
  const first = attempt(input, new Set());
  if (!first.refusal?.layout) return first;
  // Only turning on what was assumed absent (a field the destination reads and the sender named
  // otherwise), or an array the sender wrote none of: never dropping what the sender wrote.
  const keys = [...first.seen].filter(([, v]) => !v.preferred).map(([k]) => k);
  for (let n = 1; n <= Math.min(MAX_FLIPS, keys.length); n++) {
    let best: { result: LoadResult; score: number } | undefined;
    for (const set of subsets(keys, n)) {
      const result = attempt(input, new Set(set));
      if (result.refusal?.layout !== false && result.refusal) continue;
      if (result.refusal === undefined || result.refusal.layout === false) {
        const score = input.score(result.reads);
        if (!best || score < best.score) best = { result, score };
      }
    }
    if (best) return best.result;
  }
  return first;
}
