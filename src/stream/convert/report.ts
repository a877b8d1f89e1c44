import { stat } from 'node:fs/promises';
import type { StreamSource } from '../read/source.js';

/**
 * What every converter reports (by-field-names.ts, by-descriptions.ts, and vmstate/compat's
 * `convertForQemu`), and the rules they share: how a loss is named and when `--allow-loss` allows it.
 */

export type ChangeKind = 'section' | 'field' | 'subsection';

/** A piece of state the target cannot receive: dropped only when allowed. */
export interface Loss {
  /** `idstr[#instance]::field::…`: what `--allow-loss` names. */
  readonly path: string;
  readonly kind: ChangeKind;
  readonly reason: string;
  readonly allowed: boolean;
}

/** Something the conversion had to do besides dropping state. */
export interface Adjustment {
  readonly path: string;
  readonly what: string;
}

export interface ConvertReport {
  /** False when a loss was not allowed, or a section cannot be converted at all (nothing written). */
  readonly converted: boolean;
  readonly losses: readonly Loss[];
  /** Version downgrades and fields the target expects that had to be filled with zeros. */
  readonly adjustments: readonly Adjustment[];
  /** Changes no conversion can make (e.g. the stream is older than the target accepts). */
  readonly impossible: readonly Adjustment[];
  /** Sections the target's dump cannot tell about (objects without a qdev class), passed unchanged. */
  readonly unchecked: readonly string[];
  /** Bytes written (0 when not converted). */
  readonly bytes: number;
}

export interface ConvertOptions {
  /** Loss paths allowed (a path also allows everything under it). */
  readonly allowLoss?: readonly string[];
  /**
   * Bytes read so far, over both passes: the stream is read twice (plan, then write), so the
   * total is twice its size; the second pass only when the conversion goes ahead.
   */
  readonly onProgress?: (read: number) => void;
}

/** How a loss names a section: its idstr, with `#instance` when that is not 0. */
export function sectionLabel(idstr: string, instanceId: number): string {
  return instanceId === 0 ? idstr : `${idstr}#${instanceId}`;
}

/**
 * Whether `--allow-loss` allows the loss at `path`: a path allows itself and everything under it,
 * cut at `::` (never inside a name: `pcsp` does not allow `pcspk`). With `byLastName`, the last
 * name alone (a subsection's) allows it too.
 */
export function lossAllowed(path: string, allow: readonly string[], byLastName = false): boolean {
  const cut = path.lastIndexOf('::');
  const last = byLastName ? (cut < 0 ? path : path.slice(cut + 2)) : undefined;
  return allow.some((a) => path === a || path.startsWith(`${a}::`) || a === last);
}

/**
 * The verdict every converter gives: each loss with whether `allow` allows it, and whether the
 * conversion goes ahead (every loss allowed, nothing impossible).
 */
export function decide(
  losses: readonly Omit<Loss, 'allowed'>[],
  impossible: readonly Adjustment[],
  allow: readonly string[] = [],
): { losses: Loss[]; converted: boolean } {
  const decided = losses.map((l) => ({ ...l, allowed: lossAllowed(l.path, allow) }));
  return { losses: decided, converted: impossible.length === 0 && decided.every((l) => l.allowed) };
}

/** Reader options reporting progress of pass `pass` (0 plan, 1 write) of a stream of `size` bytes. */
export function passProgress(
  options: ConvertOptions,
  pass: 0 | 1,
  size: number,
): { onProgress?: (offset: number) => void } {
  const report = options.onProgress;
  return report ? { onProgress: (offset: number) => report(pass * size + offset) } : {};
}

/** The size of a file or of bytes (0 for a file that cannot be stat-ed: the reader reports it). */
export async function sizeOf(source: StreamSource): Promise<number> {
  if (source instanceof Uint8Array) return source.length;
  if (typeof source !== 'string') return 0;
  return stat(source).then(
    (s) => s.size,
    () => 0,
  );
}

/** The report as text: what was lost (and whether allowed), what was adjusted, what was not checked. */
export function formatConvertReport(r: ConvertReport): string {
  const lines: string[] = [];
  if (r.impossible.length > 0) {
    lines.push('cannot convert:');
    for (const x of r.impossible) lines.push(`  ${x.path}: ${x.what}`);
  }
  if (r.losses.length > 0) {
    lines.push(
      r.converted ? 'lost (allowed):' : 'the target cannot receive (allow each with --allow-loss PATH):',
    );
    for (const l of r.losses) lines.push(`  ${l.allowed ? 'allowed ' : ''}${l.kind} ${l.path}: ${l.reason}`);
  }
  if (r.adjustments.length > 0) {
    lines.push('adjusted:');
    for (const a of r.adjustments) lines.push(`  ${a.path}: ${a.what}`);
  }
  if (r.unchecked.length > 0) {
    lines.push(
      `not in the target's dump (objects without a device class), passed unchanged: ${r.unchecked.join(', ')}`,
    );
  }
  lines.push(
    r.converted
      ? `converted: ${r.bytes} bytes written${r.losses.length === 0 ? ', nothing lost' : `, ${r.losses.length} loss(es)`}`
      : 'not converted: nothing written',
  );
  return `${lines.join('\n')}\n`;
}
