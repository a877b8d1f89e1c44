import type { PathSegment } from '../../../errors/index.js';
import type { FindingCode, Severity } from '../finding.js';
import type { StreamFinding } from './check-stream.js';
import type { Refusal, Remark } from './load.js';

/**
 * Every finding of `check STREAM DEST`, one record per kind, as `compare/kinds.ts` does for two
 * dumps: its code, how bad it is, and how its message, QEMU rule, byte offset and details are made
 * from the facts the stream check found. The check only names the kind and hands over the facts.
 */
export interface StreamKind<D> {
  /** Fixed, or the loader's own (a refusal or remark carries its code). */
  readonly code: FindingCode | ((d: D) => FindingCode);
  readonly severity: Severity | ((d: D) => Severity);
  readonly message: (d: D) => string;
  /** The rule QEMU applies; none when absent. */
  readonly rule?: (d: D) => string;
  /** Absolute offset in the stream; none when absent. */
  readonly offset?: (d: D) => number;
  readonly details?: (d: D) => Record<string, unknown> | undefined;
}

function streamKind<D>(k: StreamKind<D>): StreamKind<D> {
  return k;
}

/** Bytes the destination reads into a field: where they lie and whether they are all zero. */
interface ReadFacts {
  readonly offset: number;
  /** The value read, formatted. */
  readonly value: string;
  readonly zero: boolean;
}

/** The destination reads exactly one sender leaf under another name. */
interface OtherFieldFacts extends ReadFacts {
  readonly sender: string;
  readonly destination: string;
  /** The sender's own field of the destination's name, formatted, when it sent one. */
  readonly senderOwn?: string;
  /** That own value equals the value read. */
  readonly same: boolean;
}

function otherFieldEffect(d: OtherFieldFacts): string {
  if (d.senderOwn !== undefined) {
    return d.same
      ? `, as the sender's own ${d.destination}: nothing changes for this stream`
      : `, while the sender's own ${d.destination} is ${d.senderOwn}: ${d.destination} changes from ${d.senderOwn} to ${d.value}`;
  }
  return d.zero
    ? ' (zero: nothing changes for this stream)'
    : `, so the destination's ${d.destination} becomes it`;
}

/** A section's header: its id, instance and where it starts. */
interface HeaderFacts {
  readonly idstr: string;
  readonly instance: number;
  readonly offset: number;
}

/** A section header's version against the destination's description. */
interface VersionFacts {
  readonly idstr: string;
  readonly sent: number;
  readonly offset: number;
}

/** What the destination's machine type expects against what the stream has. */
interface FramingFacts {
  /** The destination's machine type, or "(unknown)". */
  readonly destination: string;
}

const fromOffset = (d: { readonly offset: number }) => d.offset;

export const STREAM_KINDS = {
  // Bytes read under another meaning (loads, with changes).
  paddingReadAsField: streamKind<ReadFacts & { readonly sender: string; readonly destination: string }>({
    code: 'read-as-other-field',
    severity: 'info',
    message: (d) => `the sender's padding (zeros) is read into ${d.destination}`,
    offset: fromOffset,
    details: (d) => ({ sender: d.sender, destination: d.destination, value: d.value, harmless: d.zero }),
  }),
  readAsPadding: streamKind<ReadFacts & { readonly sender: string }>({
    code: 'read-as-padding',
    severity: (d) => (d.zero ? 'info' : 'warning'),
    message: (d) =>
      `the sender's ${d.sender} = ${d.value} lands in the destination's padding and is dropped` +
      (d.zero ? ' (it is zero: nothing is lost for this stream)' : ''),
    offset: fromOffset,
    details: (d) => ({ sender: d.sender, value: d.value, harmless: d.zero }),
  }),
  readAsOtherField: streamKind<OtherFieldFacts>({
    code: 'read-as-other-field',
    severity: 'warning',
    message: (d) =>
      `${d.sender} → ${d.destination}: the destination reads the sender's ${d.sender} as its ${d.destination}; the value sent is ` +
      `${d.value}${otherFieldEffect(d)}`,
    offset: fromOffset,
    details: (d) => ({
      sender: d.sender,
      destination: d.destination,
      value: d.value,
      ...(d.senderOwn === undefined ? {} : { senderOwn: d.senderOwn }),
      harmless: d.senderOwn !== undefined ? d.same : d.zero,
    }),
  }),
  readAtOtherBoundary: streamKind<
    ReadFacts & { readonly size: number; readonly senders: readonly string[]; readonly destination: string }
  >({
    code: 'read-as-other-field',
    severity: (d) => (d.zero ? 'info' : 'warning'),
    message: (d) =>
      `the destination reads ${d.size} bytes at another boundary into ${d.destination}: they are the sender's ${d.senders.join(', ')}` +
      ` (${d.value}${d.zero ? ', zero: nothing changes for this stream' : ''})`,
    offset: fromOffset,
    details: (d) => ({ sender: d.senders, destination: d.destination, value: d.value, harmless: d.zero }),
  }),

  // Sections the destination's dump cannot check.
  sectionNeverDumped: streamKind<{ readonly name: string; readonly offset: number }>({
    code: 'section-unchecked',
    severity: 'info',
    message: (d) =>
      `"${d.name}" is state QEMU saves without a device class, which -dump-vmstate never lists: not checked`,
    offset: fromOffset,
  }),
  sectionNotInDump: streamKind<HeaderFacts & { readonly description: string }>({
    code: 'section-unchecked',
    severity: 'warning',
    message: (d) =>
      `the destination's dump has no description "${d.description}": not checked. If the destination really ` +
      `lacks such a device, QEMU refuses with "Unknown savevm section or instance '${d.idstr}' ${d.instance}"; ` +
      'a dump lists only device classes with a vmsd, so it cannot tell',
    offset: fromOffset,
    details: (d) => ({ idstr: d.idstr, instance: d.instance, description: d.description }),
  }),

  // A section's version against the destination's range: refused before reading.
  versionTooNew: streamKind<VersionFacts & { readonly version: number }>({
    code: 'version-too-new',
    severity: 'error',
    message: (d) =>
      `section "${d.idstr}" arrives at version ${d.sent}, above the destination's ${d.version}: ` +
      `QEMU says "savevm: unsupported version ${d.sent} for '${d.idstr}' v${d.version}"`,
    rule: () => 'qemu_loadvm_section_start_full: version_id > se->version_id → -EINVAL',
    offset: fromOffset,
    details: (d) => ({ sent: d.sent, version: d.version }),
  }),
  versionTooOld: streamKind<VersionFacts & { readonly minimumVersion: number }>({
    code: 'version-too-old',
    severity: 'error',
    message: (d) =>
      `section "${d.idstr}" arrives at version ${d.sent}, below the destination's minimum ${d.minimumVersion}`,
    rule: () => 'vmstate_load_state: version_id < minimum_version_id → -EINVAL',
    offset: fromOffset,
    details: (d) => ({ sent: d.sent, minimumVersion: d.minimumVersion }),
  }),

  // What the replayed load says (load.ts words its remarks and refusals itself).
  loaderRemark: streamKind<Remark>({
    code: (d) => d.code,
    severity: (d) => d.severity,
    message: (d) => d.message,
    details: (d) => d.details,
  }),
  countsFromSender: streamKind<{ readonly counts: ReadonlyMap<string, number> }>({
    code: 'count-from-sender',
    severity: 'info',
    message: (d) =>
      "the destination's dump does not record element counts (QEMU before 8.1 omits num); the sender's are taken for " +
      [...d.counts].map(([n, c]) => `${n} (${c})`).join(', '),
    details: (d) => ({ counts: Object.fromEntries(d.counts) }),
  }),
  conditionsFlipped: streamKind<{ readonly fields: readonly string[] }>({
    code: 'field-condition-changed',
    severity: 'info',
    message: (d) =>
      `the bytes fit the destination's layout only if its field_exists predicates decide otherwise than the sender's for ${d.fields.join(', ')}`,
    details: (d) => ({ fields: d.fields }),
  }),
  layoutUndecided: streamKind<{ readonly refusal: Refusal }>({
    code: 'layout-undecided',
    severity: 'warning',
    message: (d) => d.refusal.message,
  }),
  refused: streamKind<{
    readonly refusal: Refusal;
    /** Why a refused subsection was sent (its state values), or ''. */
    readonly why: string;
    readonly instance: number;
    /** A refused subsection's values by name. */
    readonly values?: Record<string, unknown>;
    readonly destinationSection: string;
  }>({
    code: (d) => d.refusal.code,
    severity: 'error',
    message: (d) => `${d.refusal.message}${d.why}`,
    rule: (d) => d.refusal.rule,
    offset: (d) => d.refusal.offset,
    details: (d) => ({
      ...(d.refusal.details ?? {}),
      instance: d.instance,
      ...(d.values ? { values: d.values } : {}),
      destinationSection: d.destinationSection,
    }),
  }),

  // The stream's framing against the destination's machine type.
  configurationUnexpected: streamKind<FramingFacts & { readonly machine: string; readonly offset: number }>({
    code: 'configuration-unexpected',
    severity: 'error',
    message: (d) =>
      `the stream has a configuration section (type 7, machine type ${d.machine}) and the destination's ` +
      `machine type ${d.destination} expects none (send-configuration is off up to 2.3): QEMU says "Unknown savevm section type 7"`,
    rule: () => 'qemu_loadvm_state_main: unknown section type → -EINVAL',
    offset: fromOffset,
  }),
  configurationMissing: streamKind<FramingFacts>({
    code: 'configuration-missing',
    severity: 'error',
    message: (d) =>
      `the stream has no configuration section and the destination's machine type ${d.destination} requires one: QEMU says "Configuration section missing"`,
    rule: () => 'qemu_loadvm_state: send-configuration and no QEMU_VM_CONFIGURATION → -EINVAL',
    // Right after the magic and version: where the configuration section would be.
    offset: () => 8,
  }),
  machineTypeDiffers: streamKind<{
    readonly sender: string;
    readonly receiver: string;
    readonly offset: number;
  }>({
    code: 'machine-type-differs',
    severity: 'error',
    message: (d) => `Machine type received is '${d.sender}' and local is '${d.receiver}'`,
    rule: () => 'configuration_post_load: machine type name differs → -EINVAL',
    offset: fromOffset,
    details: (d) => ({ sender: d.sender, receiver: d.receiver }),
  }),
  footerMismatch: streamKind<FramingFacts & { readonly footers: boolean }>({
    code: 'footer-mismatch',
    severity: 'error',
    message: (d) =>
      d.footers
        ? `the stream's sections end with footers (0x7e) and the destination's machine type ${d.destination} expects none: QEMU says "Unknown savevm section type 126"`
        : `the stream's sections have no footers and the destination's machine type ${d.destination} expects them: QEMU says "Missing section footer for …"`,
    rule: (d) =>
      d.footers
        ? 'qemu_loadvm_state_main: unknown section type → -EINVAL'
        : 'check_section_footer: "Missing section footer" → -EINVAL',
  }),
} as const;

type StreamKinds = typeof STREAM_KINDS;
export type StreamKindName = keyof StreamKinds;
type StreamFactsOf<K extends StreamKindName> = StreamKinds[K] extends StreamKind<infer D> ? D : never;

/** One finding of the named kind at `path`, made from its facts. */
export function streamFinding<K extends StreamKindName>(
  name: K,
  path: readonly PathSegment[],
  facts: StreamFactsOf<K>,
): StreamFinding {
  // The kinds' facts differ; each record reads only its own, as StreamFactsOf<K> guarantees.
  const k = STREAM_KINDS[name] as unknown as StreamKind<unknown>;
  const details = k.details?.(facts);
  const rule = k.rule?.(facts);
  const offset = k.offset?.(facts);
  return {
    code: typeof k.code === 'function' ? k.code(facts) : k.code,
    severity: typeof k.severity === 'function' ? k.severity(facts) : k.severity,
    direction: 'forward',
    path: [...path],
    message: k.message(facts),
    suggestion: '',
    ...(details === undefined ? {} : { details }),
    ...(rule === undefined ? {} : { rule }),
    ...(offset === undefined ? {} : { offset }),
  };
}
