import type { DumpDescription, DumpField } from '../../codec/index.js';
import type { PropValue } from '../../describe/index.js';

/**
 * The `-dump-vmstate` JSON shape (spec §14) plus the optional keys `vmstate dump` adds for what a
 * QEMU dump cannot say. QEMU's own files have none of them; the checker reads both.
 * QEMU's vmstate-static-checker.py ignores the extra field keys but reports extra description and
 * section keys as "Entry … missing" when the other dump lacks them: `vmstate dump --plain` omits all.
 */
export interface DumpFieldJson extends Omit<DumpField, 'Description'> {
  Description?: DumpDescriptionJson;
  /** QEMU's type name of the element ("uint32", "int32 le", "timer", "struct", …). */
  type?: string;
  /** The count comes from another field (VARRAY). */
  varray?: boolean;
  /** The size comes from another field (VBUFFER). */
  vbuffer?: boolean;
  /** Padding (`VMSTATE_UNUSED`), whatever its name. */
  unused?: boolean;
  /** A slot of an array of pointers. */
  pointer?: boolean;
  /** vstruct/tmp: the version the nested description is loaded at. */
  load_version?: number;
  /** The `existsIf` predicate's value under the machine type, when only the machine type decides it. */
  exists_under_machine?: boolean;
}

export interface DumpDescriptionJson extends Omit<DumpDescription, 'Fields' | 'Subsections'> {
  Fields?: DumpFieldJson[];
  Subsections?: DumpDescriptionJson[];
  /** Subsections: "always" (no `needed`) or "predicate". */
  needed?: 'always' | 'predicate';
  /** Subsections: the machine-type properties `needed` reads. */
  depends_on?: string[];
  /** Subsections: `needed` under the machine type, when only the machine type decides it. */
  needed_under_machine?: boolean;
  /** Subsections: `needed` under every machine type of the registry (`null`: the state decides too). */
  needed_by_machine?: Record<string, boolean | null>;
}

export interface DumpSectionJson {
  Name: string;
  /** Ours: the section's id in the stream (QEMU's `Name` is a QOM type name, which is not). */
  idstr?: string;
  /** Ours: the section's instance id. */
  instance_id?: number;
  version_id: number;
  minimum_version_id: number;
  Description: DumpDescriptionJson;
  /** Whole-section `needed`: "always" or "predicate". */
  needed?: 'always' | 'predicate';
  needed_under_machine?: boolean;
  needed_by_machine?: Record<string, boolean | null>;
}

export interface DumpMachineJson {
  Name: string;
  /** The machine type's resolved properties (our descriptions only). */
  props?: Record<string, PropValue>;
}

/** A whole dump: `vmschkmachine` plus one entry per section (device class, for QEMU). */
export type VmstateDumpJson = Record<string, DumpSectionJson | DumpMachineJson>;

/** The key QEMU uses for the machine type entry. */
export const MACHINE_KEY = 'vmschkmachine';
