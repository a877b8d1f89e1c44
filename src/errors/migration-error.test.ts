import { describe, expect, it, vi } from 'vitest';
import { MigrationError } from './migration-error.js';

describe('MigrationError identity', () => {
  it('is recognised across copies of the library (the CLI bundle and the package)', async () => {
    // A second, separately evaluated copy of the module, as a user's module loaded by the CLI sees it.
    vi.resetModules();
    const copy = await import('./migration-error.js');
    expect(copy.MigrationError).not.toBe(MigrationError);
    const foreign = new copy.MigrationError([{ code: 'other', message: 'from the other copy', path: [] }]);
    expect(foreign instanceof MigrationError).toBe(true);
    expect(new MigrationError([]) instanceof copy.MigrationError).toBe(true);
  });

  it('is not claimed by other errors', () => {
    expect(new Error('plain') instanceof MigrationError).toBe(false);
    expect({ issues: [] } instanceof MigrationError).toBe(false);
    expect((null as unknown as object) instanceof MigrationError).toBe(false);
  });
});
