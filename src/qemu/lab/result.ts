/** What one lab cell records: QEMU's verdict, vmstate's verdict for the same stream, and more. */
import type { LabCell } from './cells.js';

export type Verdict = 'loads' | 'refused';

export interface QemuSide {
  readonly verdict: Verdict;
  /** Final incoming migration status (`completed`, `failed`). */
  readonly status: string;
  /** QEMU's own words for a refusal (its stderr / error-desc), trimmed. */
  readonly error?: string;
  readonly ms: number;
}

export interface VmstateSide {
  readonly verdict: Verdict;
  /** Each refusal reason (error findings), as `path: message`. */
  readonly reasons: readonly string[];
  /** Places the destination reads under another meaning (warnings: "loads, with changes"). */
  readonly changes: readonly string[];
  readonly ms: number;
}

/** `vmstate convert` of the stream to the destination, and what the destination did with the result. */
export interface ConvertSide {
  /** convert's answer without any allowed loss. */
  readonly converted: boolean;
  /** The losses it named (what --allow-loss would have to name). */
  readonly losses: readonly string[];
  /** When a conversion was written (with the losses allowed, if there were any): did QEMU load it? */
  readonly loaded?: Verdict;
  readonly error?: string;
  /** True when the losses had to be allowed to convert. */
  readonly lossAllowed: boolean;
}

/** The round-trip oracle: the destination saved again right after the load, compared with the source. */
export interface RoundTripSide {
  /** Values that differ (field by field across both versions' names): silent changes. */
  readonly changes: readonly SilentChange[];
  /** Device sections compared. */
  readonly sections: number;
  /** The oracle could not run (the re-save or its reading failed). */
  readonly error?: string;
}

export interface SilentChange {
  /** `section › field` in the source's names. */
  readonly path: string;
  /** The destination's name for it, when it differs (matched by position). */
  readonly destinationPath?: string;
  readonly sent: string;
  readonly resaved: string;
}

export interface CellResult {
  readonly cell: LabCell;
  /** Set when the cell could not be run (e.g. the source QEMU did not save): not a verdict. */
  readonly error?: string;
  readonly qemu?: QemuSide;
  readonly vmstate?: VmstateSide;
  readonly convert?: ConvertSide;
  readonly roundTrip?: RoundTripSide;
  readonly streamBytes?: number;
  /** vmstate's verdict equals QEMU's. */
  readonly agree?: boolean;
}
