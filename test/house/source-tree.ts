/** The shipped source files under src/ (tests excluded) and what each imports, for the house tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const repoRoot = resolve(import.meta.dirname, '../..');

const isTest = (name: string): boolean => /\.test(-d)?\.ts$/.test(name);

/** Every non-test `.ts` file under `src/`, as a repo-relative path. */
export function sourceFiles(dir = join(repoRoot, 'src')): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !isTest(entry.name)) out.push(relative(repoRoot, path));
  }
  return out.sort();
}

/** The repo-relative files a source file imports by relative path (static, re-export and dynamic). */
export function relativeImports(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => relative(repoRoot, resolve(repoRoot, dirname(file), spec)).replace(/\.js$/, '.ts'));
}
