/**
 * Every `§N` reference in the repo resolves to a heading. A reference names its document before
 * it (`spec §8.2` is docs/format.md, `docs/lab.md §2` that file); one that follows another
 * reference on the same line (`spec §8.2, §9.2`, `§2–§13`) shares its document; a bare one is
 * the byte spec in code and the document itself in Markdown.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './source-tree.js';

const SPEC = 'docs/format.md';
// This file's own examples are not references.
const SELF = 'test/house/spec-refs.test.ts';
const ROOTS = ['src', 'test', 'bench', 'docs', 'examples', 'scripts', 'README.md'];

function files(path: string): string[] {
  const full = join(repoRoot, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return /\.(ts|md|mjs)$/.test(path) && path !== SELF ? [path] : [];
  return readdirSync(full).flatMap((name) =>
    name === 'vectors' || name === 'node_modules' ? [] : files(join(path, name)),
  );
}

/** The section numbers of a Markdown file's headings (`## 8. …`, `### 8.2 …`). */
function headings(doc: string): Set<string> {
  const text = readFileSync(join(repoRoot, doc), 'utf8');
  return new Set([...text.matchAll(/^#{2,4} (\d+(?:\.\d+)*)\.? /gm)].map((m) => m[1] ?? ''));
}

interface Ref {
  readonly at: string;
  readonly doc: string;
  readonly section: string;
}

function references(file: string, text: string): Ref[] {
  const refs: Ref[] = [];
  text.split('\n').forEach((line, i) => {
    let doc: string | undefined;
    let last = 0;
    for (const m of line.matchAll(/§ ?(\d+(?:\.\d+)*)/g)) {
      const before = line.slice(last, m.index);
      const named = [...before.matchAll(/\b(spec|[\w./-]+\.md)\b/gi)].at(-1)?.[1];
      // Text between two references other than joiners starts a new, unnamed one.
      if (named !== undefined) doc = /^spec$/i.test(named) ? SPEC : named;
      else if (!/^[\s,–/-]*(and|or)?[\s,–/-]*$/.test(before)) doc = undefined;
      const target = doc ?? (file.endsWith('.md') ? file : SPEC);
      refs.push({ at: `${file}:${i + 1}`, doc: target, section: m[1] ?? '' });
      doc = target;
      last = (m.index ?? 0) + m[0].length;
    }
  });
  return refs;
}

function resolveDoc(doc: string, from: string): string | undefined {
  const candidates = [doc, `docs/${doc}`, join(from, '..', doc)].map((p) =>
    relative(repoRoot, join(repoRoot, p)),
  );
  return candidates.find((p) => files(p).length > 0);
}

describe('§ references', () => {
  it('are parsed with their document', () => {
    const refs = references(
      'src/x.ts',
      'spec §8.2, §9.2; see docs/lab.md §2 and the spec (§8.6 codecs, §9 subs)',
    );
    expect(refs.map((r) => `${r.doc} ${r.section}`)).toEqual([
      `${SPEC} 8.2`,
      `${SPEC} 9.2`,
      'docs/lab.md 2',
      `${SPEC} 8.6`,
      `${SPEC} 9`,
    ]);
    expect(references('docs/a.md', 'rule §3').map((r) => r.doc)).toEqual(['docs/a.md']);
  });

  it('every one resolves to a heading of its document inside the repo', () => {
    const unresolved: string[] = [];
    const cache = new Map<string, Set<string>>();
    for (const file of ROOTS.flatMap(files)) {
      for (const ref of references(file, readFileSync(join(repoRoot, file), 'utf8'))) {
        const doc = resolveDoc(ref.doc, file);
        if (doc === undefined) {
          unresolved.push(`${ref.at}: §${ref.section} in ${ref.doc}, which is not in the repo`);
          continue;
        }
        const known = cache.get(doc) ?? headings(doc);
        cache.set(doc, known);
        if (!known.has(ref.section)) unresolved.push(`${ref.at}: §${ref.section} has no heading in ${doc}`);
      }
    }
    expect(unresolved).toEqual([]);
  });

  it('nothing points outside the repo', () => {
    const outside = ROOTS.flatMap(files).filter((f) =>
      /\.\.\/shared|\/work\/shared/.test(readFileSync(join(repoRoot, f), 'utf8')),
    );
    expect(outside).toEqual([]);
  });
});
