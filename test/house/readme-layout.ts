/**
 * The README's Layout section as data: a numbered list, lowest layer first, each item naming one
 * or more folders in backticks (folders of one item are one layer and may import each other).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './source-tree.js';

export interface Layer {
  readonly rank: number;
  readonly folders: readonly string[];
}

export function readmeLayers(): Layer[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = /^## Layout\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
  if (section === undefined) throw new Error('README.md has no "## Layout" section');
  const layers: Layer[] = [];
  for (const line of section.split('\n')) {
    const item = /^(\d+)\. (.*)$/.exec(line);
    if (!item) continue;
    // Only the part before the colon names folders; the rest describes them.
    const head = item[2]?.split(':')[0] ?? '';
    const folders = [...head.matchAll(/`(src(?:\/[\w-]+)*)`/g)].map((m) => m[1] ?? '');
    layers.push({ rank: Number(item[1]), folders });
  }
  return layers;
}
