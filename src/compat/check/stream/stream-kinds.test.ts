import { describe, expect, it } from 'vitest';
import { streamFinding } from './stream-kinds.js';

// The two kinds the real-stream references never hit: their wording, offset and details as before
// the records (check-stream.ts built them inline).
describe('stream finding records', () => {
  it('read-as-padding: a warning unless the dropped value is zero', () => {
    const lost = streamFinding('readAsPadding', ['dev', 'x'], {
      sender: 'a.b',
      value: '0x05',
      zero: false,
      offset: 40,
    });
    expect(lost).toEqual({
      code: 'read-as-padding',
      severity: 'warning',
      direction: 'forward',
      path: ['dev', 'x'],
      message: "the sender's a.b = 0x05 lands in the destination's padding and is dropped",
      suggestion: '',
      details: { sender: 'a.b', value: '0x05', harmless: false },
      offset: 40,
    });
    const zero = streamFinding('readAsPadding', ['dev'], {
      sender: 'a',
      value: '0x00',
      zero: true,
      offset: 1,
    });
    expect(zero.severity).toBe('info');
    expect(zero.message).toBe(
      "the sender's a = 0x00 lands in the destination's padding and is dropped (it is zero: nothing is lost for this stream)",
    );
  });

  it('version-too-old names the rule and the minimum', () => {
    const f = streamFinding('versionTooOld', ['fdc'], {
      idstr: 'fdc',
      sent: 1,
      minimumVersion: 2,
      offset: 99,
    });
    expect(f).toMatchObject({
      code: 'version-too-old',
      severity: 'error',
      message: `section "fdc" arrives at version 1, below the destination's minimum 2`,
      rule: 'vmstate_load_state: version_id < minimum_version_id → -EINVAL',
      offset: 99,
      details: { sent: 1, minimumVersion: 2 },
    });
  });

  it('a finding without rule, offset or details has none of those keys', () => {
    const f = streamFinding('footerMismatch', [], { footers: true, destination: 'pc-i440fx-2.3' });
    expect(Object.keys(f)).toEqual([
      'code',
      'severity',
      'direction',
      'path',
      'message',
      'suggestion',
      'rule',
    ]);
    const u = streamFinding('layoutUndecided', ['x'], {
      refusal: {
        code: 'layout-undecided',
        rule: 'r',
        path: [],
        offset: 3,
        message: 'cannot size',
        layout: true,
      },
    });
    expect(Object.keys(u)).toEqual(['code', 'severity', 'direction', 'path', 'message', 'suggestion']);
  });
});
