import { describe, expect, it } from 'vitest';
import { MigrationError } from '../errors/index.js';
import { defineMachines } from './machines.js';

describe('defineMachines', () => {
  const m = defineMachines({
    defaults: { a: true, b: 1, c: 'new' },
    types: [{ name: 'v3' }, { name: 'v2', compat: { a: false, b: 2 } }, { name: 'v1', compat: { b: 3 } }],
  });

  it('the newest type has the defaults; older types inherit newer overrides and add their own', () => {
    expect(m.props('v3')).toEqual({ a: true, b: 1, c: 'new' });
    expect(m.props('v2')).toEqual({ a: false, b: 2, c: 'new' });
    // The oldest value wins, as with QEMU's compat arrays.
    expect(m.props('v1')).toEqual({ a: false, b: 3, c: 'new' });
    expect(m.context('v1')).toEqual({ machine: 'v1', props: { a: false, b: 3, c: 'new' } });
    expect(m.names).toEqual(['v3', 'v2', 'v1']);
  });

  it('unknown and duplicate machine types are errors with a code', () => {
    expect(() => m.context('v9')).toThrow(MigrationError);
    expect(() => defineMachines({ types: [{ name: 'x' }, { name: 'x' }] })).toThrow(MigrationError);
    expect(m.has('v9')).toBe(false);
  });

  it('contexts are frozen', () => {
    expect(Object.isFrozen(m.context('v2').props)).toBe(true);
  });
});
