import { describe, expect, it } from 'vitest';
import { defaultContext, field, type Subsection, uint8, vmsd } from '../describe/index.js';
import { MigrationError } from '../errors/index.js';
import { load, save } from './codec.js';
import { fieldExists, presentOrFailed, sectionNeeded, subsectionNeeded } from './presence.js';

const ctx = defaultContext;

function thrown(f: () => unknown): MigrationError | undefined {
  try {
    f();
  } catch (e) {
    return e as MigrationError;
  }
  return undefined;
}

const dev = vmsd('dev', {
  version: 1,
  fields: [
    field('a', uint8),
    field('gated', uint8, { existsIf: (s) => (s.a as number) > 1 }),
    field('broken', uint8, {
      existsIf: () => {
        throw new Error('boom');
      },
    }),
  ],
  subsections: (sub) => [
    sub('dev/busy', { version: 1, fields: [field('busy', uint8)], needed: (s) => s.busy !== 0 }),
    sub('dev/always', { version: 1, fields: [field('x', uint8)] }),
    sub('dev/extra', { version: 1, fields: [field('y', uint8)], nestedKey: 'extra' }),
    sub('dev/nested-needed', {
      version: 1,
      fields: [field('z', uint8)],
      nestedKey: 'more',
      needed: (s) => s.a === 7,
    }),
    sub('dev/throws', {
      version: 1,
      fields: [field('w', uint8)],
      needed: () => {
        throw new Error('nope');
      },
    }),
  ],
  needed: (s) => s.a !== 0,
});
const sub = (name: string) => dev.subsections.find((s) => s.name === name) as Subsection;

describe('presence: the one rule for "sent?" and "on the wire?"', () => {
  it('needed() must return exactly true; no needed() means always', () => {
    expect(subsectionNeeded(sub('dev/busy'), { busy: 1 }, ctx)).toBe(true);
    expect(subsectionNeeded(sub('dev/busy'), { busy: 0 }, ctx)).toBe(false);
    expect(subsectionNeeded(sub('dev/always'), {}, ctx)).toBe(true);
  });

  it('a nested subsection is sent only when its member is present, whatever needed() says', () => {
    expect(subsectionNeeded(sub('dev/extra'), { extra: { y: 1 } }, ctx)).toBe(true);
    expect(subsectionNeeded(sub('dev/extra'), {}, ctx)).toBe(false);
    expect(subsectionNeeded(sub('dev/nested-needed'), { a: 7 }, ctx)).toBe(false);
    expect(subsectionNeeded(sub('dev/nested-needed'), { a: 7, more: { z: 1 } }, ctx)).toBe(true);
    expect(subsectionNeeded(sub('dev/nested-needed'), { a: 6, more: { z: 1 } }, ctx)).toBe(false);
  });

  it('the codec follows it: no member, no subsection, and the load leaves the member absent', () => {
    const simple = vmsd('s', {
      version: 1,
      fields: [field('a', uint8)],
      subsections: (sb) => [
        sb('s/n', { version: 1, fields: [field('z', uint8)], nestedKey: 'more', needed: (st) => st.a === 7 }),
      ],
    });
    const without = save(simple, { a: 7 } as never, { ctx });
    expect([...without]).toEqual([7]);
    expect(load(simple, without)).toEqual({ a: 7 });
    const withIt = save(simple, { a: 7, more: { z: 3 } } as never, { ctx });
    expect(load(simple, withIt)).toEqual({ a: 7, more: { z: 3 } });
  });

  it('a predicate that throws is a hook-failed MigrationError, in the codec and here alike', () => {
    const e = thrown(() => subsectionNeeded(sub('dev/throws'), {}, ctx));
    expect(e).toBeInstanceOf(MigrationError);
    expect(e?.code).toBe('hook-failed');
    const broken = dev.fields.find((f) => f.name === 'broken');
    expect(thrown(() => fieldExists(broken as never, {}, ctx, 1))?.code).toBe('hook-failed');
    const saving = thrown(() => save(dev, { a: 2, gated: 0, broken: 0, busy: 0, x: 0, w: 0 } as never));
    expect(saving?.code).toBe('hook-failed');
  });

  it('presentOrFailed: the yes/no reading for tools, where a failing predicate counts as present', () => {
    expect(presentOrFailed(() => subsectionNeeded(sub('dev/throws'), {}, ctx))).toBe(true);
    expect(presentOrFailed(() => subsectionNeeded(sub('dev/busy'), { busy: 0 }, ctx))).toBe(false);
  });

  it('existsIf must return exactly true; without it, since ≤ version', () => {
    const gated = dev.fields.find((f) => f.name === 'gated');
    expect(fieldExists(gated as never, { a: 2 }, ctx, 1)).toBe(true);
    expect(fieldExists(gated as never, { a: 1 }, ctx, 1)).toBe(false);
    const a = dev.fields[0];
    expect(fieldExists(a as never, {}, ctx, 0)).toBe(a?.since === 0);
  });

  it('a section is sent when its needed() says exactly true', () => {
    expect(sectionNeeded(dev, { a: 1 }, ctx)).toBe(true);
    expect(sectionNeeded(dev, { a: 0 }, ctx)).toBe(false);
    const plain = vmsd('p', { version: 1, fields: [field('a', uint8)] });
    expect(sectionNeeded(plain, {}, ctx)).toBe(true);
  });
});
