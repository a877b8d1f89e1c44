import type { Field, Subsection, Vmsd } from '../../describe/index.js';

/** Every description reachable from `root` through struct fields and subsections, once each. */
export function reachableDescriptions(root: Vmsd): Vmsd[] {
  const seen = new Set<Vmsd>();
  const visit = (d: Vmsd): void => {
    if (seen.has(d)) return;
    seen.add(d);
    for (const f of d.fields) {
      const t = f.type.kind === 'pointer' ? f.type.target : f.type;
      if (t.kind === 'struct') visit(t.vmsd);
    }
    for (const s of d.subsections) {
      for (const f of s.fields) {
        const t = f.type.kind === 'pointer' ? f.type.target : f.type;
        if (t.kind === 'struct') visit(t.vmsd);
      }
    }
  };
  visit(root);
  return [...seen];
}

/** Subsections whose members land on the parent's object, depth first, with their parent chain. */
export function mergedSubsections(
  desc: Vmsd,
  chain: readonly string[] = [],
): { sub: Subsection; chain: string[] }[] {
  const out: { sub: Subsection; chain: string[] }[] = [];
  for (const s of desc.subsections) {
    if (s.nestedKey !== undefined) continue;
    out.push({ sub: s, chain: [...chain, s.name] });
    out.push(...mergedSubsections(s, [...chain, s.name]));
  }
  return out;
}

/** The state keys a subsection (and its own subsections) write on the parent's object. */
export function subsectionKeys(s: Vmsd): string[] {
  const keys = s.fields.filter((f: Field) => f.key !== undefined && !f.validator).map((f) => f.key as string);
  for (const n of s.subsections)
    keys.push(...(n.nestedKey === undefined ? subsectionKeys(n) : [n.nestedKey]));
  return keys;
}
