/**
 * No function in src/ runs over 80 lines unless a `// long: <reason>` comment right above it
 * says why splitting it would make it worse (scripts/long-functions.ts finds them).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { longFunctions } from '../../scripts/long-functions.js';
import { repoRoot } from './source-tree.js';

describe('function length', () => {
  it('finds a long function without a reason (the rule can fail)', () => {
    const found = longFunctions(join(repoRoot, 'test/house/fixtures'), 80);
    expect(found.map((f) => f.name)).toEqual(['tooLong']);
  });

  it('every function in src/ over 80 lines gives a reason', () => {
    const found = longFunctions(join(repoRoot, 'src'), 80).map(
      (f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`,
    );
    expect(found).toEqual([]);
  });
});
