import type { PathSegment } from '../../../errors/index.js';
import type { Direction, Finding, Severity } from '../finding.js';
import type { Roles } from './kind.js';
import { type FactsOf, KINDS, type KindName } from './kinds.js';

/** A condition the findings below depend on: errors under it become warnings (or infos). */
export interface Gate {
  readonly text: string;
  readonly cap: 'warning' | 'info';
}

/** One direction's walk: who sends, who receives, where findings go. */
export interface Walk extends Roles {
  readonly direction: Direction;
  readonly out: Finding[];
}

const LOWER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Records one finding of a named kind, made from its facts; a gate caps its severity and says when. */
export function emit<K extends KindName>(
  w: Walk,
  gate: Gate | undefined,
  name: K,
  path: readonly PathSegment[],
  facts: FactsOf<K>,
): void {
  // The kinds' facts differ; each record reads only its own, as FactsOf<K> guarantees.
  const k = KINDS[name] as unknown as {
    code: Finding['code'];
    severity: Severity | ((d: unknown) => Severity);
    message: (d: unknown, r: Roles) => string;
    suggestion: (d: unknown) => string;
    details?: (d: unknown) => Record<string, unknown>;
  };
  let severity = typeof k.severity === 'function' ? k.severity(facts) : k.severity;
  let message = k.message(facts, w);
  if (gate && severity !== 'info') {
    if (LOWER[gate.cap] > LOWER[severity]) severity = gate.cap;
    message += ` (only when ${gate.text})`;
  }
  const details = k.details?.(facts);
  w.out.push({
    code: k.code,
    severity,
    direction: w.direction,
    path: [...path],
    message,
    suggestion: k.suggestion(facts),
    ...(details === undefined ? {} : { details }),
  });
}

/** The tighter of two gates (a subsection inside a conditional subsection, …). */
export function within(outer: Gate | undefined, inner: Gate | undefined): Gate | undefined {
  if (!outer) return inner;
  if (!inner) return outer;
  return {
    text: `${outer.text} and ${inner.text}`,
    cap: LOWER[inner.cap] > LOWER[outer.cap] ? inner.cap : outer.cap,
  };
}
