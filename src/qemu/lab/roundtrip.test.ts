import { describe, expect, it } from 'vitest';
import { canonicalValue } from './roundtrip.js';
import { qemuWords } from './run-cell.js';

describe('round-trip value comparison', () => {
  it('sees the same value through a bool, an integer and a byte buffer', () => {
    expect(canonicalValue('false')).toBe(canonicalValue('00'));
    expect(canonicalValue('true')).toBe(canonicalValue('0x01'));
    expect(canonicalValue('0x00000001')).toBe(canonicalValue('00 00 00 01'));
    expect(canonicalValue('0xffffffff (-1)')).toBe(canonicalValue('ff ff ff ff'));
    expect(canonicalValue('0x07')).not.toBe(canonicalValue('0x06'));
    expect(canonicalValue('01 00')).not.toBe(canonicalValue('00 01'));
  });
});

describe("QEMU's words", () => {
  it('keeps the error lines, drops the binary name, warnings and module notices', () => {
    const stderr = [
      "qemu-system-x86_64: warning: Machine type 'pc-i440fx-5.2' is deprecated",
      'qemu: module ui-ui-gtk not found, do you want to install qemu-system-gui package?',
      "qemu-system-x86_64: error while loading state for instance 0x0 of device 'i8259'",
      'qemu-system-x86_64: load of migration failed: No such file or directory',
      '',
    ].join('\n');
    expect(qemuWords(stderr)).toBe(
      "error while loading state for instance 0x0 of device 'i8259' / load of migration failed: No such file or directory",
    );
    expect(qemuWords('')).toBeUndefined();
  });
});
