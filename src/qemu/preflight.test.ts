import { describe, expect, it } from 'vitest';
import { parseDuration } from '../cli/commands/preflight.js';
import { UsageError } from '../cli/exit-codes.js';
import { MigrationError } from '../errors/index.js';
import { readStream } from '../stream/index.js';
import { progressOf } from './guarded-migrate.js';
import { asMigrationStream, machineTypeOf } from './preflight.js';
import { nextInterval, pauseStats } from './preflight-wait.js';

describe('pre-flight pieces', () => {
  it('asMigrationStream puts the configuration section a migration sends after the header', async () => {
    // header, one EOF byte: what xen-save-devices-state writes for a VM with no device (shape only)
    const deviceState = Uint8Array.from([0x51, 0x45, 0x56, 0x4d, 0, 0, 0, 3, 0x00]);
    const framed = asMigrationStream(deviceState, 'pc-i440fx-7.2');
    const items = [];
    for await (const item of readStream(framed)) items.push(item);
    expect(items.map((i) => i.type)).toEqual(['header', 'configuration', 'eof']);
    expect(items[1]).toMatchObject({ type: 'configuration', machine: 'pc-i440fx-7.2', subsections: [] });
    expect(() => asMigrationStream(Uint8Array.from([1, 2, 3]), 'pc')).toThrow(MigrationError);
    // 2.3 and older send no configuration section: nothing to put back.
    expect(asMigrationStream(deviceState, 'pc-i440fx-2.3')).toBe(deviceState);
  });

  it('machine type from the QOM type name', () => {
    expect(machineTypeOf('pc-i440fx-7.2-machine')).toBe('pc-i440fx-7.2');
    expect(machineTypeOf('pc-q35-10.0')).toBe('pc-q35-10.0');
  });

  it('pause statistics: median, nearest-rank p99, max, total', () => {
    const xs = Array.from({ length: 200 }, (_, i) => i + 1);
    expect(pauseStats(xs)).toEqual({ count: 200, medianMs: 100, p99Ms: 198, maxMs: 200, totalMs: 20100 });
    expect(pauseStats([])).toMatchObject({ count: 0, medianMs: 0, maxMs: 0 });
  });

  it('--wait-safe spaces its asks so pauses stay within the share', () => {
    expect(nextInterval(1, 0.01, 100)).toBe(100); // 1 ms pause, 1 %: 99 ms, the minimum wins
    expect(nextInterval(5, 0.01, 100)).toBe(495); // 5 ms pause: 5 of every 500 ms
    expect(nextInterval(5, 0.5, 1)).toBe(5);
  });

  it('durations', () => {
    expect(parseDuration('--wait-safe', '500ms')).toBe(500);
    expect(parseDuration('--wait-safe', '30s')).toBe(30_000);
    expect(parseDuration('--wait-safe', '2m')).toBe(120_000);
    expect(parseDuration('--wait-safe', '1.5')).toBe(1500);
    expect(() => parseDuration('--wait-safe', 'soon')).toThrow(UsageError);
  });

  it('progress from query-migrate, with or without RAM figures', () => {
    expect(progressOf({ status: 'setup' }, 3)).toEqual({
      status: 'setup',
      elapsedMs: 3,
      transferred: 0,
      remaining: 0,
      total: 0,
      mbps: 0,
    });
    const ram = { transferred: 10, remaining: 20, total: 30, mbps: 40 };
    expect(progressOf({ status: 'active', ram }, 5)).toMatchObject({ status: 'active', ...ram });
  });
});
