import type { VmstateDumpJson } from '../compat/index.js';
import type { MigrationFinding } from './findings.js';

/** Version of the control protocol; both ends must speak the same. */
export const PROTOCOL = 1;

/** One RAM block as the destination holds it: the source's must match by name and size. */
export interface MemoryLayout {
  readonly name: string;
  readonly size: number;
  readonly pageSize: number;
}

/**
 * The control channel (CONTROL frames, JSON). Every connection starts with the destination's
 * `hello`; the source answers `refuse`, `begin` (a migration: the QEMU stream follows in DATA
 * frames, closed by `complete`), or `outcome` (a later connection telling an in-doubt destination
 * what was decided). See docs/migrate.md for the exchange and its failure rules.
 */
export type ControlMessage =
  | {
      readonly type: 'hello';
      readonly protocol: number;
      /** The destination's release name, its machine type and the types it can run. */
      readonly release: string;
      readonly machine: string;
      readonly machines: readonly string[];
      /** Its descriptions in `-dump-vmstate` shape (for the source's static check). */
      readonly descriptions: VmstateDumpJson;
      readonly memory: readonly MemoryLayout[];
      /** A migration this destination holds in doubt (it acked and has not heard the decision). */
      readonly inDoubt?: string;
    }
  | { readonly type: 'refuse'; readonly reason: string; readonly findings: readonly MigrationFinding[] }
  | { readonly type: 'begin'; readonly id: string; readonly release: string; readonly machine: string }
  | { readonly type: 'switchover'; readonly id: string; readonly iteration: number }
  | { readonly type: 'complete'; readonly id: string; readonly bytes: number }
  /** The destination loaded, validated and staged everything; it runs only on `confirm`. */
  | { readonly type: 'ack'; readonly id: string }
  | {
      readonly type: 'nack';
      readonly id: string;
      readonly reason: string;
      readonly issues: readonly unknown[];
    }
  /** The source has stopped for good: the destination runs. */
  | { readonly type: 'confirm'; readonly id: string }
  /** The source keeps running: the destination discards. */
  | { readonly type: 'abort'; readonly id: string; readonly reason: string }
  /** The decision, on a later connection (same meaning as `confirm` / `abort`). */
  | { readonly type: 'outcome'; readonly id: string; readonly decision: Decision }
  /** The destination heard the decision (`confirm`, `abort` or `outcome`) and acted on it. */
  | { readonly type: 'done'; readonly id: string };

/** The source's decision, made once: `handed-over` (it stopped) or `kept` (it runs on). */
export type Decision = 'handed-over' | 'kept';

const TYPES = new Set([
  'hello',
  'refuse',
  'begin',
  'switchover',
  'complete',
  'ack',
  'nack',
  'confirm',
  'abort',
  'outcome',
  'done',
]);

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}

export function encodeMessage(message: ControlMessage): Uint8Array {
  return Buffer.from(JSON.stringify(message, replacer), 'utf8');
}

/** Parses a CONTROL payload; `undefined` when it is not a control message (a protocol error). */
export function decodeMessage(payload: Uint8Array): ControlMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('utf8'));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !TYPES.has(type)) return undefined;
  const id = (value as { id?: unknown }).id;
  if (type !== 'hello' && type !== 'refuse' && typeof id !== 'string') return undefined;
  return value as ControlMessage;
}
