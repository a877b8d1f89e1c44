import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { DescriptionSet } from '../../src/compat/index.js';
import {
  fillRamGuest,
  guardedMigrate,
  type MigrationInfo,
  pollMigration,
  sourceDescriptions,
  type Vm,
  waitForDone,
} from '../../src/qemu/index.js';
import { dumpOf, freePort, imageOf, type Relay, runGuest, runstate, scratch, startRelay } from './helpers.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/**
 * The roulette, for real: a QEMU 10.0 guest with 1 GiB of RAM full of data and its PIC
 * level-triggered, migrated to a real QEMU 7.2 (pc-i440fx-7.2), which refuses `i8259/ltim`.
 * Every migration goes through a relay that reads the stream with our own reader, so the test sees
 * exactly what reached the destination. One source VM serves all three cases, in order.
 */
describe('guarded migration of a 1 GiB LTIM guest, 10.0 → 7.2 (real)', () => {
  const { dir, cleanup } = scratch('migrate1g');
  const guest = fillRamGuest(1024, true);
  const image = imageOf(guest, dir);
  const socket = join(dir, 'cli.sock');
  let dest72: DescriptionSet;
  let source: Vm;
  let sender: DescriptionSet | undefined;
  const ends: (() => Promise<unknown>)[] = [];

  async function destination(): Promise<{ vm: Vm; relay: Relay }> {
    const port = await freePort();
    const vm = await runGuest('7.2', image, 1024, { incomingPort: port });
    const relay = await startRelay(port);
    ends.push(
      () => relay.close(),
      () => vm.kill(),
    );
    return { vm, relay };
  }

  beforeAll(async () => {
    dest72 = await dumpOf('7.2', dir);
    source = await runGuest('10.0', image, 1024, { qmpSocket: socket });
    await waitForDone(source, guest);
    sender = await sourceDescriptions(source.client);
    // Lift QEMU's default 128 MiB/s limit: the test measures bytes, not a rate limit.
    await source.qmp('migrate-set-parameters', { 'max-bandwidth': 8 * GiB });
  }, 120_000);
  afterAll(async () => {
    for (const end of ends) await end();
    await source?.quit();
    cleanup();
  });

  it('vmstate migrate: refused before any RAM is sent; the guest keeps running', async () => {
    const { relay } = await destination();
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => out.push(s) > 0) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main([
        'migrate',
        '--qmp',
        socket,
        '--to',
        join(dir, 'dump-7.2.json'),
        '--json',
        relay.uri,
      ]);
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(1);
    const json = JSON.parse(out.join('')) as {
      outcome: string;
      preflight: { findings: { message: string }[] };
    };
    expect(json.outcome).toBe('refused-before-start');
    expect(json.preflight.findings.some((f) => f.message.includes('ltim = 0x08'))).toBe(true);
    expect(relay.connections()).toBe(0);
    expect(relay.bytes()).toBe(0);
    const info = await source.qmp<MigrationInfo>('query-migrate');
    expect(info.status).toBeUndefined();
    expect(await runstate(source)).toBe('running');
  }, 60_000);

  it('forced past pre-flight: the guard cancels at the switch-over pause; 7.2 never receives device state', async () => {
    const { vm: dest, relay } = await destination();
    const result = await guardedMigrate(source.client, {
      uri: relay.uri,
      destination: dest72,
      skipPreflight: true,
      ...(sender === undefined ? {} : { source: sender }),
    });
    await relay.finished();
    console.log(
      `forced: ${result.outcome}; RAM sent ${((result.progress?.transferred ?? 0) / MiB).toFixed(0)} MiB; ` +
        `guard held the pause ${result.guardMs?.toFixed(1)} ms; relay saw ${(relay.bytes() / MiB).toFixed(0)} MiB`,
    );
    expect(result.outcome).toBe('refused-at-switchover');
    expect(result.atSwitchover?.verdict).toBe('refused');
    expect(result.atSwitchover?.findings.some((f) => f.message.includes('ltim = 0x08'))).toBe(true);
    expect(result.migration?.status).toBe('cancelled');
    expect(result.source.status).toBe('running');
    expect(await runstate(source)).toBe('running');
    // RAM went through (the guard lets it), device state never did.
    expect(result.progress?.transferred).toBeGreaterThan(512 * MiB);
    expect(relay.ramPageBytes()).toBeGreaterThan(512 * MiB);
    expect(relay.deviceSections()).toEqual([]);
    const exit = await dest.exited;
    expect(exit.code).not.toBe(0);
    expect(dest.stderr()).not.toContain('i8259');
    // The guard leaves the source's capabilities as it found them.
    const caps = await source.qmp<{ capability: string; state: boolean }[]>('query-migrate-capabilities');
    expect(caps.find((c) => c.capability === 'pause-before-switchover')?.state).toBe(false);
  }, 120_000);

  it('side by side, plain QEMU migration: all RAM copied, 7.2 refuses, the source is left stopped', async () => {
    const { vm: dest, relay } = await destination();
    await source.qmp('migrate', { uri: relay.uri });
    const info = await pollMigration(source, 120_000);
    await relay.finished();
    const exit = await dest.exited;
    console.log(
      `plain: ${info.status}; RAM sent ${(((info.ram as { transferred: number }).transferred ?? 0) / MiB).toFixed(0)} MiB ` +
        `in ${info['total-time']} ms; destination: ${dest.stderr().trim().split('\n')[0]}`,
    );
    expect(info.status).toBe('completed'); // QEMU's own word, without a return path
    expect((info.ram as { 'normal-bytes': number })['normal-bytes']).toBeGreaterThanOrEqual(1023 * MiB);
    expect(relay.ramPageBytes()).toBeGreaterThanOrEqual(1023 * MiB);
    expect(relay.deviceSections()).toContain('i8259');
    expect(exit.code).toBe(1);
    expect(dest.stderr()).toContain("error while loading state for instance 0x0 of device 'i8259'");
    expect(await runstate(source)).toBe('postmigrate');
  }, 180_000);
});
