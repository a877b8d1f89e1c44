/**
 * One codec's view of one case: its own input values (converted once from the shared records,
 * before timing) and the two operations that are timed.
 */
export interface Contender<In = unknown> {
  /** Short name shown in tables and used as the key in results.json. */
  readonly name: string;
  /** The inputs, one per shared record, in this codec's native representation. */
  readonly inputs: readonly In[];
  /** Serialises one state to fresh bytes. */
  encode(state: In): Uint8Array;
  /** Parses bytes produced by `encode` into a fresh state. */
  decode(bytes: Uint8Array): unknown;
}

/** A named workload: the same records, offered to every contender. */
export interface BenchCase {
  readonly name: string;
  readonly description: string;
  readonly contenders: readonly Contender[];
}

export function contender<In>(c: Contender<In>): Contender {
  return c as unknown as Contender;
}
