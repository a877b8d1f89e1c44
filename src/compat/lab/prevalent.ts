import type { Subsection, Vmsd } from '../../describe/index.js';

const without = new WeakMap<Vmsd, WeakMap<Subsection, Vmsd>>();

/**
 * The same description without one of its subsections: what a sender whose `needed` said "no"
 * writes. Hooks are kept (they are plain functions of the state). Cached, so the codec compiles
 * each variant once.
 */
export function withoutSubsection(desc: Vmsd, sub: Subsection): Vmsd {
  let bySub = without.get(desc);
  if (!bySub) {
    bySub = new WeakMap();
    without.set(desc, bySub);
  }
  const cached = bySub.get(sub);
  if (cached) return cached;
  const variant = Object.freeze({
    ...desc,
    subsections: Object.freeze(desc.subsections.filter((s) => s !== sub)),
  });
  bySub.set(sub, variant);
  return variant;
}
