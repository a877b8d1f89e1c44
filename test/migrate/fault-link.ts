import type { MemoryLink } from '../../src/migrate/index.js';

export type Direction = 'toDest' | 'toSource';
export type FaultKind = 'cut' | 'stall' | 'corrupt';

/** One fault: on write number `write` (0-based) in `direction`, after `at` bytes of it. */
export interface Fault {
  readonly direction: Direction;
  readonly write: number;
  readonly at: number;
  readonly kind: FaultKind;
}

/** A write as the dry run saw it: its direction, length and the protocol phase it belongs to. */
export interface WriteRecord {
  readonly direction: Direction;
  readonly index: number;
  readonly length: number;
  readonly phase: string;
}

/**
 * The two directions of an in-memory connection, with at most one fault: cut (both directions
 * close after `at` bytes of the write), stall (that direction delivers nothing more, silently),
 * corrupt (one byte of the write flipped, the rest delivered). Records every write with the phase
 * `phase()` names, and advances a virtual clock by the bytes sent towards the destination.
 */
export class FaultyConnection {
  readonly writes: WriteRecord[] = [];
  private readonly counts: Record<Direction, number> = { toDest: 0, toSource: 0 };
  private stalled: Partial<Record<Direction, boolean>> = {};
  fired = false;

  constructor(
    private readonly fault: Fault | undefined,
    private readonly phase: () => string,
    private readonly clock?: { ms: number; bytesPerMs: number },
  ) {}

  link(direction: Direction): MemoryLink {
    return {
      transfer: (chunk, deliver, cut) => {
        const index = this.counts[direction]++;
        this.writes.push({ direction, index, length: chunk.length, phase: this.phase() });
        if (direction === 'toDest' && this.clock) this.clock.ms += chunk.length / this.clock.bytesPerMs;
        if (this.stalled[direction]) return;
        const f = this.fault;
        if (!f || f.direction !== direction || f.write !== index) {
          deliver(chunk);
          return;
        }
        this.fired = true;
        const at = Math.min(f.at, chunk.length);
        if (f.kind === 'corrupt') {
          const copy = chunk.slice();
          const i = Math.min(at, copy.length - 1);
          copy[i] = (copy[i] as number) ^ 0x5a;
          deliver(copy);
          return;
        }
        if (at > 0) deliver(chunk.subarray(0, at));
        if (f.kind === 'cut') cut();
        else this.stalled[direction] = true;
      },
    };
  }
}
