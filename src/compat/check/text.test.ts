import { describe, expect, it } from 'vitest';
import { checkCompatibility } from './check.js';
import { fromDumpVmstate } from './from-dump.js';
import { formatCheckText } from './text.js';

const section = (fields: { field: string; size: number }[], subs: string[] = [], name = 'dev') => ({
  Name: name,
  version_id: 1,
  minimum_version_id: 1,
  Description: {
    name,
    version_id: 1,
    minimum_version_id: 1,
    Fields: fields.map((f) => ({ ...f, version_id: 0, field_exists: false })),
    Subsections: subs.map((name) => ({ name, version_id: 1, minimum_version_id: 1, needed: 'predicate' })),
  },
});

const source = fromDumpVmstate(
  {
    dev: section([{ field: 'a', size: 1 }]),
    gone: section([], [], 'gone'),
    wide: section([{ field: 'w', size: 2 }], [], 'wide'),
  },
  'old.json',
);
const destination = fromDumpVmstate(
  {
    dev: section([{ field: 'a', size: 1 }], ['dev/new']),
    wide: section([{ field: 'w', size: 4 }], [], 'wide'),
  },
  'new.json',
);

describe('formatCheckText', () => {
  it('groups by section, forward before backward, and ends with a summary per direction', () => {
    const text = formatCheckText(checkCompatibility(source, destination));
    expect(text.split('\n')).toEqual([
      'vmstate check: old.json → new.json',
      '',
      'dev',
      '  forward  info    dev › dev › dev/new',
      expect.stringMatching(/^ {6}the source never sends subsection "dev\/new".*\[subsection-defaulted\]$/),
      expect.stringMatching(/^ {6}fix: /),
      '  backward warning dev › dev › dev/new',
      expect.stringMatching(/^ {6}the source does not know subsection "dev\/new".*\[unknown-subsection\]$/),
      expect.stringMatching(/^ {6}fix: /),
      '',
      'gone',
      '  forward  warning gone',
      expect.stringMatching(/dump has no description "gone".*\[unknown-section\]$/),
      expect.stringMatching(/^ {6}fix: /),
      '',
      'wide',
      '  forward  error   wide › wide › w',
      expect.stringMatching(/\[field-resized\]$/),
      expect.stringMatching(/^ {6}fix: /),
      '  backward error   wide › wide › w',
      expect.stringMatching(/\[field-resized\]$/),
      expect.stringMatching(/^ {6}fix: /),
      '',
      'Summary',
      '  forward  (upgrade: old.json → new.json): 1 error, 1 warning, 1 info',
      '  backward (rollback: new.json → old.json): 1 error, 1 warning, 0 info',
      'Result: forward migration fails or corrupts state; backward migration fails or corrupts state.',
      '',
    ]);
  });

  it('paints severities and can hide infos', () => {
    const text = formatCheckText(checkCompatibility(source, destination), {
      paint: (s, t) => `<${s}>${t.trim()}</${s}>`,
      hideInfo: true,
    });
    expect(text).toContain('  backward <warning>warning</warning> dev › dev › dev/new');
    expect(text).not.toContain('subsection-defaulted');
  });
});
