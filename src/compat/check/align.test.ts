import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alignFields, type Step } from './align.js';
import type { CheckField } from './model.js';

function f(name: string, size: number, extra: Partial<CheckField> = {}): CheckField {
  return {
    name,
    since: 0,
    conditional: false,
    size,
    varray: false,
    vbuffer: false,
    unused: name === 'unused',
    pointer: false,
    ...extra,
  };
}

/** Steps as short strings: `=a` match, `a>b` rename, `+a` receiver only, `-a` sender only, … */
function show(steps: readonly Step[]): string[] {
  return steps.map((s) => {
    switch (s.kind) {
      case 'match':
        return `=${s.s.name}`;
      case 'rename':
        return `${s.s.name}>${s.r.name}`;
      case 'cover':
        return `pad(${s.padOn}):${s.run.map((x) => x.name).join(',')}`;
      case 'regroup':
        return `group(${s.structOn}):${s.struct.name}:${s.run.map((x) => x.name).join(',')}`;
      case 'sender-only':
        return `-${s.s.name}`;
      default:
        return `+${s.r.name}`;
    }
  });
}

const inner = {
  name: 'regs',
  version: 0,
  minimumVersion: 0,
  fields: [f('b', 2), f('c', 4)],
  subsections: [],
};

describe('alignFields', () => {
  it('matches equal lists name by name', () => {
    expect(show(alignFields([f('a', 1), f('b', 2)], [f('a', 1), f('b', 2)]))).toEqual(['=a', '=b']);
  });

  it('finds a rename by type and size at the same place', () => {
    expect(show(alignFields([f('a', 1), f('x', 4), f('c', 2)], [f('a', 1), f('y', 4), f('c', 2)]))).toEqual([
      '=a',
      'x>y',
      '=c',
    ]);
  });

  it('does not call a different size a rename', () => {
    expect(show(alignFields([f('a', 1), f('x', 4)], [f('a', 1), f('y', 2)]))).toEqual(['=a', '-x', '+y']);
  });

  it('does not call a swap a rename: both names exist on both sides', () => {
    expect(show(alignFields([f('b', 4), f('c', 4)], [f('c', 4), f('b', 4)]))).toEqual(['-b', '=c', '+b']);
  });

  it('renames one of two fields of the same name when that name lost an occurrence', () => {
    expect(show(alignFields([f('p', 8), f('p', 2)], [f('q', 8), f('p', 2)]))).toEqual(['p>q', '=p']);
  });

  it('lets padding stand for fields of the same total size, both ways', () => {
    expect(show(alignFields([f('unused', 4)], [f('x', 2), f('y', 2)]))).toEqual(['pad(sender):x,y']);
    expect(show(alignFields([f('x', 2), f('y', 2)], [f('unused', 4)]))).toEqual(['pad(receiver):x,y']);
    expect(show(alignFields([f('unused', 4)], [f('x', 2)]))).toEqual(['-unused', '+x']);
  });

  it('sees fields moved into a struct as the same bytes', () => {
    const s = [f('a', 1), f('b', 2), f('c', 4)];
    const r = [f('a', 1), f('regs', 0, { struct: inner })];
    expect(show(alignFields(s, r))).toEqual(['=a', 'group(receiver):regs:b,c']);
    expect(show(alignFields(r, s))).toEqual(['=a', 'group(sender):regs:b,c']);
  });

  it('prefers the alignment with the fewest unexplained fields when a name repeats', () => {
    const pci = { ...inner, name: 'PCIDevice' };
    const msix = { ...inner, name: 'msix', fields: [f('msix', 0)] };
    const s = [f('parent_obj', 8, { struct: pci }), f('parent_obj', 8, { struct: msix }), f('io', 4)];
    const r = [f('parent_obj', 8, { struct: msix }), f('io', 4)];
    expect(show(alignFields(s, r))).toEqual(['-parent_obj', '=parent_obj', '=io']);
  });

  it('uses every field exactly once, in order, whatever the lists', () => {
    const field = fc
      .record({ name: fc.constantFrom('a', 'b', 'c', 'd', 'unused'), size: fc.constantFrom(1, 2, 4) })
      .map(({ name, size }) => f(name, size));
    fc.assert(
      fc.property(fc.array(field, { maxLength: 10 }), fc.array(field, { maxLength: 10 }), (s, r) => {
        const steps = alignFields(s, r);
        const sent: CheckField[] = [];
        const read: CheckField[] = [];
        for (const st of steps) {
          if (st.kind === 'match' || st.kind === 'rename') {
            sent.push(st.s);
            read.push(st.r);
          } else if (st.kind === 'cover') {
            (st.padOn === 'sender' ? sent : read).push(st.pad);
            (st.padOn === 'sender' ? read : sent).push(...st.run);
          } else if (st.kind === 'regroup') {
            (st.structOn === 'sender' ? sent : read).push(st.struct);
            (st.structOn === 'sender' ? read : sent).push(...st.run);
          } else if (st.kind === 'sender-only') sent.push(st.s);
          else read.push(st.r);
        }
        expect(sent).toEqual(s);
        expect(read).toEqual(r);
        // A list against itself is all matches.
        expect(alignFields(s, s).every((st) => st.kind === 'match')).toBe(true);
      }),
      { numRuns: 500, seed: 11 },
    );
  });
});
