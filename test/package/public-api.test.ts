import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The examples, and the demo's model (src/demo, the layer just below the CLI), are written the way a
 * user of the package writes code: they reach the library only through its public entry points
 * (package.json `exports`, here as the source files those entries are built from), never through a
 * module deep inside src/.
 */
const root = resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, { default: string }>;
};
/** `./dist/src/compat/index.js` → `src/compat/index.js`. */
const PUBLIC = new Set(Object.values(pkg.exports).map((e) => e.default.replace(/^\.\/dist\//, '')));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g),
  ].map((m) => (m[1] ?? m[2]) as string);
}

describe('examples and the demo use only the public API', () => {
  const files = [...sources(join(root, 'examples')), ...sources(join(root, 'src/demo'))];

  it('finds the examples and the public entry points', () => {
    expect(files.map((f) => relative(root, f))).toContain('src/demo/demo.ts');
    expect(PUBLIC).toContain('src/index.js');
    expect(PUBLIC).toContain('src/compat/index.js');
    // Multi-line import lists are read too.
    expect(specifiers(join(root, 'src/demo/description.ts'))).toContain('../index.js');
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s', (_name, file) => {
    for (const spec of specifiers(file)) {
      if (spec.startsWith('node:')) continue;
      expect(spec.startsWith('.'), `${spec}: only relative imports (no other packages)`).toBe(true);
      const target = relative(root, resolve(dirname(file), spec));
      const own = dirname(relative(root, file));
      const allowed = target.startsWith(`${own}/`) || PUBLIC.has(target);
      expect(allowed, `${spec} → ${target} is not a public entry point`).toBe(true);
    }
  });
});
