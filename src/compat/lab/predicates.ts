import { fieldExists, presentOrFailed, sectionNeeded, subsectionNeeded } from '../../codec/index.js';
import type { MigrationContext, Vmsd } from '../../describe/index.js';
import type { SectionEntry } from './versions.js';

type Obj = Record<string, unknown>;

/** `section`: a top-level `needed`; `needed`: a subsection's; `exists`: a field's `existsIf` gate. */
export type PredicateKind = 'section' | 'needed' | 'exists';

/** Receives each predicate a save evaluates, with its path (`section › field[] › name`) and answer. */
export type PredicateVisitor = (kind: PredicateKind, path: string, value: boolean) => void;

/**
 * Walks a description with a live state as a save would and reports every predicate on the way:
 * `existsIf` gates (validators excluded: they are checks, not gates), subsection `needed`s, and
 * the same inside struct fields (`[]`: any element) and sent subsections. Predicates are evaluated
 * with the codec's rule (presence.ts): one that throws reads as present.
 */
export function visitPredicates(
  desc: Vmsd,
  obj: Obj,
  ctx: MigrationContext,
  version: number,
  prefix: string,
  visit: PredicateVisitor,
  depth = 0,
): void {
  if (depth > 16) return;
  for (const f of desc.fields) {
    const open = presentOrFailed(() => fieldExists(f, obj, ctx, version));
    if (f.existsIf && !f.validator) visit('exists', `${prefix} › ${f.key ?? f.name}`, open);
    const t = f.type.kind === 'pointer' ? f.type.target : f.type;
    if (t.kind !== 'struct' || f.key === undefined || !open) continue;
    const v = obj[f.key];
    const path = `${prefix} › ${f.key}${f.count.kind === 'one' ? '' : '[]'}`;
    for (const item of Array.isArray(v) ? v : [v]) {
      if (item !== null && typeof item === 'object') {
        visitPredicates(t.vmsd, item as Obj, ctx, t.structVersion ?? t.vmsd.version, path, visit, depth + 1);
      }
    }
  }
  for (const s of desc.subsections) {
    const needed = presentOrFailed(() => subsectionNeeded(s, obj, ctx));
    visit('needed', `${prefix} › ${s.name}`, needed);
    if (!needed) continue;
    const target = s.nestedKey === undefined ? obj : (obj[s.nestedKey] as Obj);
    visitPredicates(s, target, ctx, s.version, prefix, visit, depth + 1);
  }
}

/** {@link visitPredicates} for one section of a release, starting with its own `needed`. */
export function visitSection(
  entry: SectionEntry,
  state: Obj,
  ctx: MigrationContext,
  visit: PredicateVisitor,
): void {
  const desc = entry.vmsd;
  if (desc.needed) {
    const sent = presentOrFailed(() => sectionNeeded(desc, state, ctx));
    visit('section', `${entry.key} (section)`, sent);
    if (!sent) return;
  }
  visitPredicates(desc, state, ctx, desc.version, entry.key, visit);
}

/** How often each side of one predicate was taken over a cell's generated states. */
export interface PredicateCoverage {
  readonly path: string;
  readonly kind: PredicateKind;
  /** States in which it said yes (sent / exists). */
  readonly yes: number;
  /** States in which it said no. */
  readonly no: number;
}

/** Accumulates predicate branches over many states. */
export class CoverageCounter {
  readonly #counts = new Map<string, { path: string; kind: PredicateKind; yes: number; no: number }>();

  readonly visit: PredicateVisitor = (kind, path, value) => {
    let c = this.#counts.get(path);
    if (!c) {
      c = { path, kind, yes: 0, no: 0 };
      this.#counts.set(path, c);
    }
    if (value) c.yes++;
    else c.no++;
  };

  result(): PredicateCoverage[] {
    return [...this.#counts.values()].map((c) => ({ ...c }));
  }
}
