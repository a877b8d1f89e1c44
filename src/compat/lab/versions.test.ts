import { describe, expect, it } from 'vitest';
import { defineMachines, field, MigrationError, uint8, vmsd } from '../../index.js';
import { defineVersions, sharedMachines } from './versions.js';

const machines = defineMachines({ types: [{ name: 'b' }, { name: 'a' }] });
const dev = vmsd('dev', { version: 1, fields: [field('x', uint8)] });

describe('defineVersions', () => {
  it('normalises sections to idstr, instance and key, and finds versions and shared machine types', () => {
    const set = defineVersions({
      machines,
      versions: [
        { name: '1', sections: [dev], machines: ['a'] },
        { name: '2', sections: [dev, { idstr: 'dev', instanceId: 1, vmsd: dev }], machines: ['b', 'a'] },
      ],
    });
    expect(set.version('2').sections.map((s) => [s.idstr, s.instanceId, s.key])).toEqual([
      ['dev', 0, 'dev'],
      ['dev', 1, 'dev#1'],
    ]);
    expect(sharedMachines(set, set.version('1'), set.version('2'))).toEqual(['a']);
    expect(Object.isFrozen(set.versions)).toBe(true);
  });

  it('rejects unknown machine types, duplicate versions and sections, unknown version names', () => {
    const bad = [
      () => defineVersions({ machines, versions: [{ name: '1', sections: [dev], machines: ['z'] }] }),
      () =>
        defineVersions({
          machines,
          versions: [
            { name: '1', sections: [dev], machines: ['a'] },
            { name: '1', sections: [dev], machines: ['a'] },
          ],
        }),
      () => defineVersions({ machines, versions: [{ name: '1', sections: [dev, dev], machines: ['a'] }] }),
      () => defineVersions({ machines, versions: [] }).version('9'),
    ];
    for (const f of bad) {
      const e = (() => {
        try {
          f();
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(MigrationError);
      expect((e as MigrationError).code).toBe('invalid-description');
    }
  });
});
