/**
 * Layout = folder tree = import graph. The README's Layout section lists every folder of src/
 * in layer order; a shipped file may import only from its own layer or a lower one, and never
 * from outside src/ (the package ships src/ alone). Tests beside the code are not shipped and
 * may reach up for set-up, so they are not checked.
 */
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readmeLayers } from './readme-layout.js';
import { relativeImports, sourceFiles } from './source-tree.js';

const layers = readmeLayers();
const rankOf = new Map(layers.flatMap((l) => l.folders.map((f) => [f, l.rank] as const)));

describe('README layout', () => {
  it('numbers its layers 1, 2, 3, … and names each folder once', () => {
    expect(layers.map((l) => l.rank)).toEqual(layers.map((_, i) => i + 1));
    const named = layers.flatMap((l) => l.folders);
    expect(named.length).toBeGreaterThan(0);
    expect(new Set(named).size).toBe(named.length);
  });

  it('lists exactly the folders of src/ that hold code', () => {
    const folders = [...new Set(sourceFiles().map((f) => dirname(f)))].sort();
    expect([...rankOf.keys()].sort()).toEqual(folders);
  });
});

describe('import graph', () => {
  it('never points from a lower layer to a higher one', () => {
    const upward: string[] = [];
    for (const file of sourceFiles()) {
      const from = rankOf.get(dirname(file));
      for (const target of relativeImports(file)) {
        const to = rankOf.get(dirname(target));
        if (from !== undefined && to !== undefined && to > from) {
          upward.push(`${file} (layer ${from}) imports ${target} (layer ${to})`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it('stays inside src/', () => {
    const outside = sourceFiles().flatMap((file) =>
      relativeImports(file)
        .filter((target) => !target.startsWith('src/'))
        .map((target) => `${file} imports ${target}`),
    );
    expect(outside).toEqual([]);
  });
});
