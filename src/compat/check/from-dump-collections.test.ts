import { describe, expect, it } from 'vitest';
import { field, gtree, qtailq, uint8, uint32, vmsd } from '../../describe/index.js';
import { checkCompatibility } from './check.js';
import { fromDescriptions } from './from-module.js';

const element = vmsd('req', {
  version: 2,
  fields: [field('tag', uint32), field('len', uint8, { since: 2 })],
});
const dev = vmsd('dev', {
  version: 2,
  fields: [
    field('reqs', qtailq(element, { max: 8 }), { since: 2 }),
    field('tree', gtree({ key: 'direct', value: element, max: 8 }), { since: 2 }),
  ],
});

describe('lists and trees in -dump-vmstate input', () => {
  it('a dumped qtailq/gtree is a variable count of its element, loaded at the field version', () => {
    const set = fromDescriptions([dev], 'ours');
    const fields = set.sections.get('dev')?.description.fields ?? [];
    expect(fields.map((f) => [f.name, f.type, f.varray, f.loadVersion, f.struct?.name])).toStrictEqual([
      ['reqs', 'qtailq', true, 2, 'req'],
      ['tree', 'gtree', true, 2, 'req'],
    ]);
  });

  it('the same descriptions check as compatible both ways', () => {
    const report = checkCompatibility(fromDescriptions([dev], 'a'), fromDescriptions([dev], 'b'));
    expect(report.findings.filter((f) => f.severity === 'error')).toStrictEqual([]);
  });
});
