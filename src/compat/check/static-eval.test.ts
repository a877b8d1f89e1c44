import { describe, expect, it } from 'vitest';
import { byMachineAlone } from './static-eval.js';

const ctx = { machine: 'm', props: { on: true, off: false } as Record<string, boolean> };

describe('byMachineAlone', () => {
  it('answers when the predicate reads only the context', () => {
    expect(byMachineAlone(() => ctx.props.on === true)).toBe(true);
    expect(byMachineAlone(() => ctx.props.off === true)).toBe(false);
  });

  it('answers when the context short-circuits before the state is read', () => {
    expect(byMachineAlone((s: { x: number }) => ctx.props.off === true && s.x !== 0)).toBe(false);
  });

  it('gives up as soon as the state is read, in any way', () => {
    expect(byMachineAlone((s: { x: number }) => ctx.props.on === true && s.x !== 0)).toBeUndefined();
    expect(byMachineAlone((s: object) => 'x' in s)).toBeUndefined();
    expect(byMachineAlone((s: object) => Object.keys(s).length > 0)).toBeUndefined();
  });

  it('gives up on a predicate that throws or answers something other than a boolean', () => {
    expect(
      byMachineAlone(() => {
        throw new Error('no');
      }),
    ).toBeUndefined();
    expect(byMachineAlone(() => 1)).toBeUndefined();
  });
});
