import { describe, expect, it } from 'vitest';
import { toDumpVmstate } from '../../codec/index.js';
import {
  array,
  defineMachines,
  field,
  type MigrationContext,
  pointer,
  struct,
  tmp,
  uint8,
  uint16,
  unused,
  validate,
  varray,
  vmsd,
  vstruct,
} from '../../describe/index.js';
import { MigrationError } from '../../errors/index.js';
import type { DumpDescriptionJson, DumpSectionJson } from './dump-json.js';
import { dumpDescriptions, fromDescriptions } from './from-module.js';

const machines = defineMachines({
  defaults: { 'dev.x': true },
  types: [{ name: 'm-2' }, { name: 'm-1', compat: { 'dev.x': false } }],
});
const on = (ctx: MigrationContext) => ctx.props['dev.x'] === true;

const inner = vmsd('inner', { version: 3, fields: [field('p', uint8)] });
const dev = vmsd('dev', {
  version: 2,
  minimumVersion: 1,
  fields: [
    field('n', uint8),
    validate('n-ok', (s) => s.n <= 4),
    field('fifo', varray(uint16, { count: 'n', max: 4, width: 'uint8' })),
    unused(3),
    field('gated', uint8, { existsIf: (_s: unknown, ctx: MigrationContext) => on(ctx) }),
    field('byState', uint8, { existsIf: (s: { n: number }) => s.n > 0 }),
    field('v', vstruct(inner, 2)),
    field('t', tmp(inner)),
    field('slots', array(pointer(struct(inner)), 2)),
  ],
  subsections: (sub) => [
    sub('dev/always', { version: 1, fields: [field('a', uint8)] }),
    sub('dev/x', {
      version: 1,
      fields: [field('x', uint8)],
      dependsOn: ['dev.x'],
      needed: (s, ctx) => on(ctx) && s.x !== 0,
    }),
  ],
});

describe('dumpDescriptions', () => {
  it("with plain, is exactly toDumpVmstate in QEMU's section shape", () => {
    const dump = dumpDescriptions([dev], { plain: true });
    expect(dump).toEqual({
      dev: { Name: 'dev', version_id: 2, minimum_version_id: 1, Description: toDumpVmstate(dev) },
    });
  });

  it('adds types, variable counts, padding, load versions and machine-decided predicates', () => {
    const dump = dumpDescriptions([dev], { machines, machine: 'm-1' });
    expect(dump.vmschkmachine).toEqual({ Name: 'm-1', props: { 'dev.x': false } });
    const section = dump.dev as DumpSectionJson;
    expect(section.needed).toBe('always');
    const fields = section.Description.Fields ?? [];
    expect(fields.map((f) => f.field)).toEqual([
      'n',
      'fifo',
      'unused',
      'gated',
      'byState',
      'v',
      't',
      'slots',
    ]);
    expect(fields[1]).toMatchObject({ type: 'uint16', varray: true });
    expect(fields[2]).toMatchObject({ type: 'unused_buffer', unused: true, size: 3 });
    expect(fields[3]).toMatchObject({ field_exists: true, exists_under_machine: false });
    expect(fields[4]?.exists_under_machine).toBeUndefined();
    expect(fields[5]).toMatchObject({ type: 'vstruct', load_version: 2 });
    expect(fields[6]).toMatchObject({ type: 'tmp', load_version: 0 });
    expect(fields[7]).toMatchObject({ type: 'struct', pointer: true, num: 2 });
    const subs = section.Description.Subsections as DumpDescriptionJson[];
    expect(subs[0]).toMatchObject({ name: 'dev/always', needed: 'always' });
    expect(subs[0]?.needed_by_machine).toBeUndefined();
    expect(subs[1]).toMatchObject({
      name: 'dev/x',
      needed: 'predicate',
      depends_on: ['dev.x'],
      needed_under_machine: false,
      needed_by_machine: { 'm-2': null, 'm-1': false },
    });
  });

  it('defaults to the newest machine type; keys sections by idstr and instance', () => {
    const dump = dumpDescriptions([dev, { idstr: 'other', vmsd: dev }, { vmsd: dev, instanceId: 2 }], {
      machines,
    });
    expect(Object.keys(dump)).toEqual(['vmschkmachine', 'dev', 'other', 'dev#2']);
    expect(dump.vmschkmachine).toEqual({ Name: 'm-2', props: { 'dev.x': true } });
    const gated = (dump.dev as DumpSectionJson).Description.Fields?.[3];
    expect(gated?.exists_under_machine).toBe(true);
  });

  it('without a registry or machine type: no vmschkmachine, nothing decided', () => {
    const dump = dumpDescriptions([dev]);
    expect(dump.vmschkmachine).toBeUndefined();
    const subs = (dump.dev as DumpSectionJson).Description.Subsections as DumpDescriptionJson[];
    expect(subs[1]?.needed_under_machine).toBeUndefined();
  });

  it("records each section's stream id and refuses a section listed twice", () => {
    const dump = dumpDescriptions([dev, { vmsd: dev, instanceId: 2 }]);
    expect(dump.dev).toMatchObject({ Name: 'dev', idstr: 'dev', instance_id: 0 });
    expect(dump['dev#2']).toMatchObject({ Name: 'dev#2', idstr: 'dev', instance_id: 2 });
    expect(() => dumpDescriptions([dev, { idstr: 'dev', vmsd: inner }])).toThrow(MigrationError);
  });

  it('refuses a machine type the registry does not know', () => {
    expect(() => dumpDescriptions([dev], { machines, machine: 'm-9' })).toThrow(MigrationError);
  });
});

describe('fromDescriptions', () => {
  it('gives the model the checker compares', () => {
    const set = fromDescriptions([dev], 'dev.ts', { machines, machine: 'm-2' });
    expect(set.origin).toBe('module');
    expect(set.machine).toBe('m-2');
    const sub = set.sections.get('dev')?.description.subsections[1];
    expect(sub).toMatchObject({ name: 'dev/x', sent: 'when-needed', dependsOn: ['dev.x'] });
    expect(sub?.neededUnderMachine).toBeUndefined();
  });
});
