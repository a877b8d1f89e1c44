import type { PropValue } from '../../describe/index.js';
import type { TargetDescription, TargetField } from '../../stream/index.js';

/**
 * The normalized model the checker compares. Both inputs (QEMU `-dump-vmstate` JSON and our own
 * descriptions) become this, so there is one diff engine. It keeps only what decides the wire
 * layout, plus what a dump cannot tell (`undefined` = not known from this input).
 */

/** When a subsection (or a whole section) is written. */
export type Sent =
  /** No `needed` predicate: written every time. */
  | 'always'
  /** A `needed` predicate decides. */
  | 'when-needed'
  /** The input does not say (QEMU dumps omit `needed`). */
  | 'unknown';

/**
 * A field as the checker sees it: what the stream layer's converter needs (`TargetField`: name,
 * `since` = QEMU `version_id`, `conditional` = has a `field_exists`/`existsIf` predicate, then
 * `since` is ignored as in QEMU; `size` = element size as the dump reports it, for structs QEMU's
 * host `sizeof`, not compared; `count` = fixed element count when recorded), and more.
 */
export interface CheckField extends TargetField {
  /** The predicate's value under the set's machine type, when it depends on nothing else. */
  readonly existsUnderMachine?: boolean;
  /**
   * QEMU dumps: whether the dump records element counts at all (8.1 and later write `num`; 5.2
   * and 7.2 never do, so there a missing count says nothing). Undefined for other inputs.
   */
  readonly countsRecorded?: boolean;
  /** The count comes from another field's value (VARRAY). */
  readonly varray: boolean;
  /** The size comes from another field's value (VBUFFER). */
  readonly vbuffer: boolean;
  /** QEMU's type name ("uint32", "int32 le", "timer", "struct", …), when the input records it. */
  readonly type?: string;
  /** `VMSTATE_UNUSED` padding: zeros on save, discarded on load. */
  readonly unused: boolean;
  /** A slot of an array of pointers (a NULL slot travels as one byte). */
  readonly pointer: boolean;
  /** A nested description (struct, vstruct, tmp, …). */
  readonly struct?: CheckDescription;
  /** vstruct/tmp: the version the nested description is loaded at (otherwise its own version). */
  readonly loadVersion?: number;
}

/** A description as the checker sees it (the converter's `TargetDescription` with the checker's parts). */
export interface CheckDescription extends TargetDescription {
  readonly fields: readonly CheckField[];
  readonly subsections: readonly CheckSubsection[];
}

/** When a subsection or section is written, as far as the input tells. */
export interface Sending {
  readonly sent: Sent;
  /** Machine-type properties the `needed` predicate reads (declared `dependsOn`). */
  readonly dependsOn: readonly string[];
  /** `needed` under the set's machine type, when it depends on the machine type alone. */
  readonly neededUnderMachine?: boolean;
  /**
   * `needed` under each machine type of the registry: true/false when the machine type alone
   * decides it, `null` when the state does too (inputs with a machine registry only).
   */
  readonly neededByMachine?: Readonly<Record<string, boolean | null>>;
}

export interface CheckSubsection extends CheckDescription, Sending {}

export interface CheckSection extends Sending {
  /** The dump key (QOM type name) or our section key (`idstr`, `idstr#instance`). */
  readonly key: string;
  /**
   * The key is the section's id in the stream (our descriptions). In QEMU dumps it is the QOM type
   * name, which never travels: there the description's name is what the stream's id is built from.
   */
  readonly keyOnWire: boolean;
  readonly version: number;
  readonly minimumVersion: number;
  readonly description: CheckDescription;
}

export interface DescriptionSet {
  /** Where it came from, for reports: a file name or a module name. */
  readonly label: string;
  /** The input's form: JSON in the dump shape (QEMU's or `vmstate dump`'s), or a module. */
  readonly origin: 'qemu-dump' | 'module';
  /** The machine type the dump was taken for (`vmschkmachine`), when known. */
  readonly machine?: string;
  /** That machine type's properties, when the input records them. */
  readonly props?: Readonly<Record<string, PropValue>>;
  /** In input order. */
  readonly sections: ReadonlyMap<string, CheckSection>;
}
