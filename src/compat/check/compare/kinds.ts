import type { Severity } from '../finding.js';
import { suggest } from '../suggestions.js';
import type { HowSent } from './how-sent.js';
import { kind, plural, quotedNames, type Roles } from './kind.js';

/**
 * Every finding the description comparison reports, one record per kind (see kind.ts). Messages
 * are written from the walk's roles: "the source" / "the destination" as sender or receiver.
 */

/** A version check: on the wire it refuses the load; for nested descriptions it only warns. */
interface VersionFacts {
  readonly what: string;
  readonly sent: number;
  readonly onWire: boolean;
}

const versionSeverity = (d: VersionFacts): Severity => (d.onWire ? 'error' : 'warning');

function versionWhy(d: VersionFacts): string {
  return d.onWire
    ? 'the receiver refuses the load'
    : 'it is not on the wire (each side reads a nested description at its own version), but the ' +
        'field layouts were written for different versions';
}

/** A field one side puts on the wire at this version and the other leaves out (a `since` or an `existsIf`). */
interface SkippedFacts {
  readonly name: string;
  /** The version the side that has it on the wire uses. */
  readonly version: number;
  /** The side that leaves it out. */
  readonly skippedBy: 'sender' | 'receiver';
  readonly senderSince: number;
  readonly receiverSince: number;
}

function skipped(d: SkippedFacts, r: Roles, why: (skipper: string) => string): string {
  return d.skippedBy === 'receiver'
    ? `the ${r.send} writes "${d.name}" at version ${d.version} but ${why(r.recv)}: the rest of the description is misread`
    : `the ${r.recv} reads "${d.name}" at version ${d.version} but ${why(r.send)}: the rest of the description is misread`;
}

/** A field on one side only. */
interface OnlyFacts {
  readonly name: string;
  /** describeField of it. */
  readonly field: string;
  readonly since: number;
  readonly conditional: boolean;
  /** Its existsIf predicate may go either way. */
  readonly maybe: boolean;
  /** Sender only: a receiver field of the same size read only under a predicate, which may take its bytes. */
  readonly absorbedBy?: string;
  /** The version of the description that has it (for the suggestion). */
  readonly version: number;
}

function onlySent(d: OnlyFacts, r: Roles): string {
  return (
    `"${d.name}" (${d.field}) is only on the ${r.send}: the ${r.send} writes it and the ${r.recv} ` +
    `does not read it, so everything after it is misread${d.maybe ? ' whenever its existsIf predicate holds' : ''}` +
    (d.absorbedBy
      ? ` unless the ${r.recv}'s existsIf predicates read "${d.absorbedBy}" (same size) where the ${r.send}'s leave it out: then its bytes land in other fields and the load completes (check a real stream with check STREAM DEST)`
      : '')
  );
}

function onlyRead(d: OnlyFacts, r: Roles): string {
  return (
    `"${d.name}" (${d.field}) is only on the ${r.recv}: the ${r.recv} reads it and the ${r.send} ` +
    `does not write it, so it takes the bytes of whatever follows${d.maybe ? ' whenever its existsIf predicate holds' : ''}`
  );
}

/** A field on one side only, named by history (added: on the destination only), as sent or as read. */
function onlyOneSide(code: 'field-added' | 'field-removed', side: 'sent' | 'read') {
  return kind<OnlyFacts>({
    code,
    severity: (d) => (d.maybe || (side === 'sent' && d.absorbedBy) ? 'warning' : 'error'),
    message: side === 'sent' ? onlySent : onlyRead,
    suggestion: (d) =>
      code === 'field-added' ? suggest.fieldAdded(d.name, d.version) : suggest.fieldRemoved(d.name),
    details: (d) => ({ field: d.field, since: d.since, conditional: d.conditional }),
  });
}

/** Padding on one side, fields of the same bytes on the other. */
interface CoverFacts {
  readonly padding: number | undefined;
  readonly fields: readonly string[];
}

const coverDetails = (d: CoverFacts) => ({ padding: d.padding, fields: d.fields });

/** Machine types whose framing makes QEMU refuse the load. */
type Framing = 'both' | 'sender' | 'receiver';

export const KINDS = {
  // Sections and their versions.
  versionTooNew: kind<VersionFacts & { readonly version: number }>({
    code: 'version-too-new',
    severity: versionSeverity,
    message: (d, r) =>
      `${d.what} is at version ${d.sent} on the ${r.send}, above the ${r.recv}'s ${d.version}: ${versionWhy(d)}`,
    suggestion: (d) => (d.onWire ? suggest.versionTooNew(d.sent, d.version) : suggest.nestedVersion()),
    details: (d) => ({ sent: d.sent, version: d.version, onWire: d.onWire }),
  }),
  versionTooOld: kind<VersionFacts & { readonly minimumVersion: number }>({
    code: 'version-too-old',
    severity: versionSeverity,
    message: (d, r) =>
      `${d.what} is at version ${d.sent} on the ${r.send}, below the ${r.recv}'s minimum ${d.minimumVersion}: ${versionWhy(d)}`,
    suggestion: (d) => (d.onWire ? suggest.versionTooOld(d.sent, d.minimumVersion) : suggest.nestedVersion()),
    details: (d) => ({ sent: d.sent, minimumVersion: d.minimumVersion, onWire: d.onWire }),
  }),
  unknownSection: kind<{ readonly key: string; readonly how: HowSent }>({
    code: 'unknown-section',
    severity: (d) => d.how.severity,
    message: (d, r) =>
      `the ${r.recv} has no section "${d.key}", so the load fails whenever it is sent: ${d.how.clause}`,
    suggestion: (d) => suggest.unknownSection(d.key),
    details: (d) => d.how.details,
  }),
  sectionNotInDump: kind<{ readonly key: string; readonly description: string; readonly how: HowSent }>({
    code: 'unknown-section',
    severity: 'warning',
    message: (d, r) =>
      `the ${r.recv}'s dump has no description "${d.description}" (device type "${d.key}"): the ` +
      `${r.recv} either cannot have such a device, or registers its state outside a device class ` +
      '(a dump cannot tell); a stream with this section loads only in the second case',
    suggestion: (d) => suggest.unknownSection(d.key),
    details: (d) => d.how.details,
  }),
  sectionRenamed: kind<{ readonly key: string; readonly other: string; readonly description: string }>({
    code: 'section-renamed',
    severity: 'info',
    message: (d, r) =>
      `section "${d.key}" is "${d.other}" on the ${r.recv}: same description "${d.description}"`,
    suggestion: () => suggest.sectionRenamed(),
    details: (d) => ({ sender: d.key, receiver: d.other }),
  }),
  sectionDescriptionRenamed: kind<{
    readonly key: string;
    readonly sender: string;
    readonly receiver: string;
    /** The name is part of the section's id in the stream (a QEMU dump on either side). */
    readonly inId: boolean;
  }>({
    code: 'description-renamed',
    severity: (d) => (d.inId ? 'error' : 'info'),
    message: (d, r) =>
      `section "${d.key}" is described by "${d.sender}" on the ${r.send} and "${d.receiver}" on the ${r.recv}: ` +
      (d.inId
        ? "the name is part of the section's id in the stream and prefixes its subsections"
        : 'the section id is unchanged; the name still prefixes its subsections'),
    suggestion: (d) => (d.inId ? suggest.descriptionRenamed() : suggest.nestedRenamed()),
    details: (d) => ({ sender: d.sender, receiver: d.receiver }),
  }),

  // Machine types.
  machineTypeRefused: kind<{ readonly sender: string; readonly receiver: string; readonly framing: Framing }>(
    {
      code: 'machine-type-differs',
      severity: 'error',
      message: (d, r) => {
        if (d.framing === 'both')
          return `QEMU refuses the load: "Machine type received is '${d.sender}' and local is '${d.receiver}'"`;
        if (d.framing === 'sender')
          return (
            `the ${r.send}'s machine type ${d.sender} sends a configuration section and the ${r.recv}'s ${d.receiver} ` +
            'expects none (2.3 and older): QEMU refuses the load with "Unknown savevm section type 7"'
          );
        return (
          `the ${r.send}'s machine type ${d.sender} sends no configuration section and the ${r.recv}'s ${d.receiver} ` +
          'requires one: QEMU refuses the load with "Configuration section missing"'
        );
      },
      suggestion: () => suggest.machineTypeDiffers(),
      details: (d) => ({ sender: d.sender, receiver: d.receiver }),
    },
  ),
  machineTypeUnframed: kind<{ readonly sender: string; readonly receiver: string }>({
    code: 'machine-type-differs',
    severity: 'info',
    message: (d, r) =>
      `the ${r.send} describes machine type ${d.sender} and the ${r.recv} ${d.receiver}; both are 2.3 or older, ` +
      'whose streams carry no configuration section, so QEMU does not compare them: the descriptions decide',
    suggestion: () => suggest.machineTypeDiffers(),
    details: (d) => ({ sender: d.sender, receiver: d.receiver }),
  }),
  machineTypeModelled: kind<{ readonly sender: string; readonly receiver: string }>({
    code: 'machine-type-differs',
    severity: 'info',
    message: (d, r) => `the ${r.send} describes machine type ${d.sender} and the ${r.recv} ${d.receiver}`,
    suggestion: () => suggest.machineTypeDiffers(),
    details: (d) => ({ sender: d.sender, receiver: d.receiver }),
  }),

  // Subsections.
  unknownSubsection: kind<{ readonly name: string; readonly how: HowSent }>({
    code: 'unknown-subsection',
    severity: (d) => d.how.severity,
    message: (d, r) =>
      `the ${r.recv} does not know subsection "${d.name}", so the load fails whenever it is sent: ${d.how.clause}`,
    suggestion: (d) => suggest.unknownSubsection(d.name),
    details: (d) => d.how.details,
  }),
  subsectionGatedOff: kind<{ readonly name: string; readonly off: string; readonly how: HowSent }>({
    code: 'unknown-subsection',
    severity: 'info',
    message: (d, r) =>
      `the ${r.recv} does not know subsection "${d.name}", but ${d.off}: this never fails there`,
    suggestion: (d) => suggest.unknownSubsection(d.name),
    details: (d) => ({ ...d.how.details, neededUnderMachine: false }),
  }),
  subsectionOrphaned: kind<{ readonly name: string; readonly parent: string; readonly how: HowSent }>({
    code: 'unknown-subsection',
    severity: (d) => d.how.severity,
    message: (d, r) =>
      `subsection "${d.name}" does not start with the ${r.recv}'s description name "${d.parent}": the ${r.recv} ` +
      `stops reading subsections there and reads its bytes as whatever follows, so the load breaks whenever it is sent: ${d.how.clause}`,
    suggestion: (d) => suggest.unknownSubsection(d.name),
    details: (d) => ({ ...d.how.details, parent: d.parent }),
  }),
  subsectionDefaulted: kind<{ readonly name: string; readonly fields: readonly string[] }>({
    code: 'subsection-defaulted',
    severity: 'info',
    message: (d, r) =>
      `the ${r.send} never sends subsection "${d.name}", which the ${r.recv} knows: the ${r.recv} keeps its ` +
      `own value for ${quotedNames(d.fields) || 'its state'}`,
    suggestion: (d) => suggest.subsectionDefaulted(d.name),
    details: (d) => ({ fields: [...d.fields] }),
  }),
  nestedRenamed: kind<{ readonly field: string; readonly sender: string; readonly receiver: string }>({
    code: 'description-renamed',
    severity: 'info',
    message: (d, r) =>
      `the nested description of "${d.field}" is "${d.sender}" on the ${r.send} and "${d.receiver}" on the ${r.recv}`,
    suggestion: () => suggest.nestedRenamed(),
    details: (d) => ({ sender: d.sender, receiver: d.receiver }),
  }),

  // Fields at the same place on both sides.
  fieldConditionOneSided: kind<{
    readonly name: string;
    readonly senderConditional: boolean;
    readonly receiverConditional: boolean;
  }>({
    code: 'field-condition-changed',
    severity: 'warning',
    message: (d, r) =>
      `"${d.name}" has an existsIf predicate on the ${d.senderConditional ? r.send : r.recv} only: the sides disagree whether it is on the ` +
      'wire whenever the predicate is false',
    suggestion: () => suggest.fieldConditionChanged(),
    details: (d) => ({ senderConditional: d.senderConditional, receiverConditional: d.receiverConditional }),
  }),
  fieldSinceDiffers: kind<{
    readonly name: string;
    readonly senderSince: number;
    readonly receiverSince: number;
  }>({
    code: 'field-version-changed',
    severity: 'info',
    message: (d, r) =>
      `"${d.name}" exists since version ${d.senderSince} on the ${r.send} and ${d.receiverSince} on the ${r.recv}; both ` +
      'put it on the wire at this version',
    suggestion: () => suggest.fieldVersionInfo(),
    details: (d) => ({ senderSince: d.senderSince, receiverSince: d.receiverSince }),
  }),
  fieldStructOneSided: kind<{ readonly name: string; readonly sender: string; readonly receiver: string }>({
    code: 'field-retyped',
    severity: 'error',
    message: (d, r) => `"${d.name}" is a ${d.sender} on the ${r.send} and a ${d.receiver} on the ${r.recv}`,
    suggestion: (d) => suggest.fieldRetyped(d.name),
    details: (d) => ({ sender: d.sender, receiver: d.receiver }),
  }),
  fieldRetyped: kind<{
    readonly name: string;
    readonly sender: string;
    readonly receiver: string;
    /** Variable size or pointer slot changed: the bytes on the wire differ, not only their meaning. */
    readonly wireChanges: boolean;
  }>({
    code: 'field-retyped',
    severity: (d) => (d.wireChanges ? 'error' : 'warning'),
    message: (d, r) => `"${d.name}" is ${d.sender} on the ${r.send} and ${d.receiver} on the ${r.recv}`,
    suggestion: (d) => suggest.fieldRetyped(d.name),
    details: (d) => ({ sender: d.sender, receiver: d.receiver }),
  }),
  fieldCountKindDiffers: kind<{
    readonly name: string;
    readonly senderVariable: boolean;
    readonly receiverVariable: boolean;
  }>({
    code: 'field-resized',
    severity: 'warning',
    message: (d, r) =>
      `"${d.name}" has a ${d.senderVariable ? 'variable' : 'fixed'} count on the ${r.send} and a ` +
      `${d.receiverVariable ? 'variable' : 'fixed'} one on the ${r.recv}: they agree only while the counts happen to match`,
    suggestion: (d) => suggest.fieldResized(d.name),
    details: (d) => ({ senderVariable: d.senderVariable, receiverVariable: d.receiverVariable }),
  }),
  fieldCountDiffers: kind<{
    readonly name: string;
    readonly senderCount: number;
    readonly receiverCount: number;
  }>({
    code: 'field-resized',
    severity: 'error',
    message: (d, r) =>
      `"${d.name}" has ${d.senderCount} elements on the ${r.send} and ${d.receiverCount} on the ${r.recv}`,
    suggestion: (d) => suggest.fieldResized(d.name),
    details: (d) => ({ senderCount: d.senderCount, receiverCount: d.receiverCount }),
  }),
  fieldSizeDiffers: kind<{
    readonly name: string;
    readonly senderSize: number;
    readonly receiverSize: number;
  }>({
    code: 'field-resized',
    severity: 'error',
    message: (d, r) =>
      `"${d.name}" has ${d.senderSize}-byte elements on the ${r.send} and ${d.receiverSize}-byte ones on the ${r.recv}`,
    suggestion: (d) => suggest.fieldResized(d.name),
    details: (d) => ({ senderSize: d.senderSize, receiverSize: d.receiverSize }),
  }),
  paddingSizeDiffers: kind<{ readonly senderBytes: number; readonly receiverBytes: number }>({
    code: 'unused-size-changed',
    severity: 'error',
    message: (d, r) =>
      `padding no longer covers the same bytes: ${d.senderBytes} on the ${r.send}, ${d.receiverBytes} on the ${r.recv}`,
    suggestion: () => suggest.unusedSizeChanged(),
    details: (d) => ({ senderBytes: d.senderBytes, receiverBytes: d.receiverBytes }),
  }),
  fieldRenamed: kind<{
    readonly senderName: string;
    readonly receiverName: string;
    readonly source: string;
    readonly destination: string;
  }>({
    code: 'field-renamed',
    severity: 'info',
    message: (d, r) =>
      `"${d.senderName}" on the ${r.send} is "${d.receiverName}" on the ${r.recv}: same type and size at the same ` +
      'place, so the wire is unchanged',
    suggestion: () => suggest.fieldRenamed(),
    details: (d) => ({ source: d.source, destination: d.destination }),
  }),

  // Fields on one side only, or at another place.
  fieldReordered: kind<{ readonly name: string }>({
    code: 'field-reordered',
    severity: 'error',
    message: (d, r) =>
      `"${d.name}" is at another place in the ${r.recv}'s field list: the ${r.recv} reads other fields' bytes into it`,
    suggestion: () => suggest.fieldReordered(),
  }),
  fieldSkippedByCondition: kind<SkippedFacts>({
    code: 'field-condition-changed',
    severity: 'error',
    message: (d, r) =>
      skipped(
        d,
        r,
        (skipper) =>
          `the ${skipper}'s existsIf predicate leaves it out${r.machine ? ` under machine type ${r.machine}` : ''}`,
      ),
    suggestion: () => suggest.fieldConditionChanged(),
    details: (d) => ({ senderSince: d.senderSince, receiverSince: d.receiverSince }),
  }),
  fieldSkippedBySince: kind<SkippedFacts>({
    code: 'field-version-changed',
    severity: 'error',
    message: (d, r) =>
      skipped(d, r, (skipper) =>
        d.skippedBy === 'receiver'
          ? `the ${skipper} reads it only from version ${d.receiverSince}`
          : `the ${skipper} writes it only from version ${d.senderSince}`,
      ),
    suggestion: () => suggest.fieldVersionChanged(),
    details: (d) => ({ senderSince: d.senderSince, receiverSince: d.receiverSince }),
  }),
  fieldSinceTooNew: kind<{ readonly name: string; readonly since: number; readonly version: number }>({
    code: 'field-since-too-new',
    severity: 'error',
    message: (d, r) =>
      `"${d.name}" exists since version ${d.since}, above the ${r.recv}'s version ${d.version}: ` +
      `the ${r.recv} does not know it`,
    suggestion: (d) => suggest.fieldSinceTooNew(d.name),
    details: (d) => ({ since: d.since, version: d.version }),
  }),
  /** Sent by the destination only (going backward): a field the upgrade added. */
  fieldAddedSent: onlyOneSide('field-added', 'sent'),
  /** Sent by the source only (going forward): a field the upgrade removed. */
  fieldRemovedSent: onlyOneSide('field-removed', 'sent'),
  /** Read by the destination only (going forward). */
  fieldAddedRead: onlyOneSide('field-added', 'read'),
  /** Read by the source only (going backward). */
  fieldRemovedRead: onlyOneSide('field-removed', 'read'),
  fieldDefaulted: kind<{ readonly name: string; readonly since: number; readonly version: number }>({
    code: 'field-defaulted',
    severity: 'info',
    message: (d, r) =>
      `"${d.name}" exists on the ${r.recv} since version ${d.since}; a version-${d.version} stream does not carry it, ` +
      `so the ${r.recv} keeps its own value`,
    suggestion: (d) => suggest.fieldDefaulted(d.name),
    details: (d) => ({ since: d.since, version: d.version }),
  }),

  // Padding and regrouping.
  paddingCovered: kind<CoverFacts>({
    code: 'unused-reused',
    severity: 'info',
    message: (d, r) =>
      `${d.padding} bytes of padding on the ${r.send} are ${quotedNames(d.fields)} on the ${r.recv}: ` +
      `the ${r.recv} loads zeros into ${plural(d.fields.length, 'it', 'them')}`,
    suggestion: () => suggest.unusedCovered(),
    details: coverDetails,
  }),
  paddingDrops: kind<CoverFacts>({
    code: 'unused-reused',
    severity: 'warning',
    message: (d, r) =>
      `${quotedNames(d.fields)} on the ${r.send} ${plural(d.fields.length, 'is', 'are')} ${d.padding} bytes ` +
      `of padding on the ${r.recv}: their values are dropped (lost unless zero)`,
    suggestion: () => suggest.unusedDropped(),
    details: coverDetails,
  }),
  paddingRunChanged: kind<{
    readonly senderBytes: number | undefined;
    readonly receiverBytes: number | undefined;
    readonly sent: readonly string[];
    readonly read: readonly string[];
    /** Only conditional fields in the run: the layouts part only when their predicates hold. */
    readonly conditionalOnly: boolean;
  }>({
    code: 'unused-size-changed',
    severity: (d) => (d.conditionalOnly ? 'warning' : 'error'),
    message: (d, r) =>
      `padding no longer covers the same bytes: here the ${r.send} writes ${d.senderBytes ?? 'a variable number of'} ` +
      `bytes (${quotedNames(d.sent) || 'nothing'}) and the ${r.recv} reads ${d.receiverBytes ?? 'a variable number of'} ` +
      `(${quotedNames(d.read) || 'nothing'})`,
    suggestion: () => suggest.unusedSizeChanged(),
    details: (d) => ({ senderBytes: d.senderBytes, receiverBytes: d.receiverBytes }),
  }),
  countFromSender: kind<{ readonly field: string; readonly count: number; readonly padding: number }>({
    code: 'count-from-sender',
    severity: 'info',
    message: (d) =>
      `"${d.field}" has no element count in its dump (QEMU before 8.1 omits num); the other side's padding of ` +
      `${d.padding} bytes at the same place makes it ${d.count} elements`,
    suggestion: () => suggest.fieldsRegrouped(),
    details: (d) => ({ field: d.field, count: d.count }),
  }),
  fieldsRegrouped: kind<{
    readonly struct: string;
    readonly structOn: 'sender' | 'receiver';
    readonly fields: readonly string[];
    /** The input does not record the struct's count. */
    readonly countUnknown: boolean;
  }>({
    code: 'fields-regrouped',
    severity: 'info',
    message: (d, r) =>
      `${quotedNames(d.fields)} ${plural(d.fields.length, 'is', 'are')} inside struct "${d.struct}" on the ` +
      `${d.structOn === 'sender' ? r.send : r.recv} only; the bytes are the same` +
      (d.countUnknown ? ' (assuming one element: the input does not record counts)' : ''),
    suggestion: () => suggest.fieldsRegrouped(),
    details: (d) => ({ struct: d.struct, structOn: d.structOn, fields: [...d.fields] }),
  }),
};

export type Kinds = typeof KINDS;
export type KindName = keyof Kinds;
/** The facts a kind is made from. */
export type FactsOf<K extends KindName> = Kinds[K] extends { message: (d: infer D, r: Roles) => string }
  ? D
  : never;
