import { describe, expect, it } from 'vitest';
import { MigrationError } from '../../errors/index.js';
import { fromDumpVmstate } from './from-dump.js';

function issueOf(f: () => unknown) {
  try {
    f();
  } catch (e) {
    if (e instanceof MigrationError) return e.issues[0];
    throw e;
  }
  throw new Error('no error');
}

const pcspk = {
  Name: 'isa-pcspk',
  version_id: 1,
  minimum_version_id: 1,
  Description: {
    name: 'pcspk',
    version_id: 1,
    minimum_version_id: 1,
    Fields: [
      { field: 'data_on', version_id: 0, field_exists: false, size: 1 },
      { field: 'unused', version_id: 2, field_exists: true, size: 4 },
    ],
  },
};

describe('fromDumpVmstate', () => {
  it("reads QEMU's shape: machine, sections in order, fields, padding by name", () => {
    const set = fromDumpVmstate({ vmschkmachine: { Name: 'pc-i440fx-7.2' }, 'isa-pcspk': pcspk }, 'x.json');
    expect(set.machine).toBe('pc-i440fx-7.2');
    expect([...set.sections.keys()]).toEqual(['isa-pcspk']);
    const sec = set.sections.get('isa-pcspk');
    expect(sec?.sent).toBe('unknown');
    expect(sec?.description.fields).toEqual([
      {
        name: 'data_on',
        since: 0,
        conditional: false,
        size: 1,
        varray: false,
        vbuffer: false,
        unused: false,
        pointer: false,
        countsRecorded: false, // no "num" anywhere in this dump (QEMU before 8.1)
      },
      {
        name: 'unused',
        since: 2,
        conditional: true,
        size: 4,
        varray: false,
        vbuffer: false,
        unused: true,
        pointer: false,
        countsRecorded: false,
      },
    ]);
  });

  it('reads the keys `vmstate dump` adds', () => {
    const set = fromDumpVmstate(
      {
        vmschkmachine: { Name: 'm-1', props: { 'dev.extra': false } },
        dev: {
          Name: 'dev',
          version_id: 1,
          minimum_version_id: 1,
          needed: 'predicate',
          Description: {
            name: 'dev',
            version_id: 1,
            minimum_version_id: 1,
            Fields: [
              {
                field: 'fifo',
                version_id: 0,
                field_exists: true,
                size: 1,
                type: 'uint8',
                varray: true,
                exists_under_machine: false,
              },
              {
                field: 'pad',
                version_id: 0,
                field_exists: false,
                size: 3,
                type: 'unused_buffer',
                unused: true,
                num: 2,
              },
            ],
            Subsections: [
              {
                name: 'dev/x',
                version_id: 1,
                minimum_version_id: 1,
                needed: 'predicate',
                depends_on: ['dev.extra'],
                needed_under_machine: false,
                needed_by_machine: { 'm-2': null, 'm-1': false },
              },
            ],
          },
        },
      },
      'ours.json',
    );
    expect(set.props).toEqual({ 'dev.extra': false });
    const d = set.sections.get('dev');
    expect(d?.sent).toBe('when-needed');
    expect(d?.description.fields[0]).toMatchObject({
      type: 'uint8',
      varray: true,
      existsUnderMachine: false,
    });
    expect(d?.description.fields[1]).toMatchObject({ name: 'pad', unused: true, count: 2 });
    expect(d?.description.subsections[0]).toMatchObject({
      sent: 'when-needed',
      dependsOn: ['dev.extra'],
      neededUnderMachine: false,
      neededByMachine: { 'm-2': null, 'm-1': false },
      fields: [],
    });
  });

  it('rejects what is not a dump, with the JSON path of the problem', () => {
    expect(issueOf(() => fromDumpVmstate([], 'x'))).toMatchObject({ code: 'invalid-description', path: [] });
    const broken = structuredClone(pcspk);
    (broken.Description.Fields[1] as Record<string, unknown>).size = '4';
    expect(issueOf(() => fromDumpVmstate({ 'isa-pcspk': broken }, 'x'))).toMatchObject({
      code: 'invalid-description',
      path: ['isa-pcspk', 'Description', 'Fields', 1, 'size'],
    });
    expect(issueOf(() => fromDumpVmstate({ dev: { ...pcspk, Description: undefined } }, 'x'))).toMatchObject({
      path: ['dev', 'Description'],
    });
    expect(
      issueOf(() =>
        fromDumpVmstate({ dev: { ...pcspk, Description: { ...pcspk.Description, Subsections: {} } } }, 'x'),
      ),
    ).toMatchObject({ path: ['dev', 'Description', 'Subsections'] });
    expect(issueOf(() => fromDumpVmstate({ vmschkmachine: { Name: 7 } }, 'x'))).toMatchObject({
      path: ['vmschkmachine', 'Name'],
    });
  });
});
