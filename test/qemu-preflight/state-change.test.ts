import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DescriptionSet } from '../../src/compat/index.js';
import {
  fillRamGuest,
  guardedMigrate,
  preflight,
  sourceDescriptions,
  type Vm,
  waitForDone,
} from '../../src/qemu/index.js';
import { dumpOf, freePort, imageOf, programPic, runGuest, runstate, scratch, startRelay } from './helpers.js';

const MiB = 2 ** 20;
/** RAM and rate that make the copy last about two seconds: time for the state to change under it. */
const RAM_MIB = 256;
const RATE = 128 * MiB;

/**
 * A guest whose device state changes while its RAM is copied: the PIC enters (or leaves) the
 * level-triggered state after pre-flight and before the switch-over. The PIC is reprogrammed with
 * real port writes (the monitor's `o` command: the same I/O a guest driver does), once the copy is
 * under way. The verdict at the switch-over pause is the one that counts.
 */
describe('guarded migration when the device state changes during the copy (real 10.0 → 7.2)', () => {
  const { dir, cleanup } = scratch('statechange');
  let dest72: DescriptionSet;
  const vms: Vm[] = [];
  afterAll(async () => {
    for (const vm of vms) await vm.kill();
    cleanup();
  });
  beforeAll(async () => {
    dest72 = await dumpOf('7.2', dir);
  }, 60_000);

  async function setUp(ltim: boolean) {
    const guest = fillRamGuest(RAM_MIB, ltim);
    const image = imageOf(guest, dir);
    const source = await runGuest('10.0', image, RAM_MIB);
    vms.push(source);
    await waitForDone(source, guest);
    await source.qmp('migrate-set-parameters', { 'max-bandwidth': RATE });
    const port = await freePort();
    const dest = await runGuest('7.2', image, RAM_MIB, { incomingPort: port });
    vms.push(dest);
    const relay = await startRelay(port);
    const sender = await sourceDescriptions(source.client);
    return { source, dest, relay, sender: sender === undefined ? {} : { source: sender } };
  }

  it('enters LTIM during the copy: pre-flight said loads, the pause says refused, the guard cancels', async () => {
    const { source, dest, relay, sender } = await setUp(false);
    const before = await preflight(source.client, dest72, sender);
    expect(before.verdict).toBe('loads');
    let change: Promise<void> | undefined;
    const result = await guardedMigrate(source.client, {
      uri: relay.uri,
      destination: dest72,
      ...sender,
      onProgress: (p) => {
        if (change === undefined && p.status === 'active' && p.transferred > 0)
          change = programPic(source, true);
      },
    });
    await change;
    await relay.finished();
    expect(change, 'the state changed while RAM was copied').toBeDefined();
    expect(result.preflight?.verdict).toBe('loads');
    expect(result.outcome).toBe('refused-at-switchover');
    expect(result.atSwitchover?.findings.some((f) => f.message.includes('ltim = 0x08'))).toBe(true);
    expect(relay.deviceSections()).toEqual([]);
    expect(await runstate(source)).toBe('running');
    await relay.close();
    await dest.kill();
  }, 120_000);

  it('leaves LTIM during the copy: the pause says loads, the guard continues, 7.2 loads and runs', async () => {
    const { source, dest, relay, sender } = await setUp(true);
    const before = await preflight(source.client, dest72, sender);
    expect(before.verdict).toBe('refused');
    let change: Promise<void> | undefined;
    const result = await guardedMigrate(source.client, {
      uri: relay.uri,
      destination: dest72,
      skipPreflight: true, // pre-flight would refuse: the state is still level-triggered
      ...sender,
      onProgress: (p) => {
        if (change === undefined && p.status === 'active' && p.transferred > 0)
          change = programPic(source, false);
      },
    });
    await change;
    await relay.finished();
    expect(result.atSwitchover?.verdict).toBe('loads');
    expect(result.outcome).toBe('completed');
    expect(relay.deviceSections()).toContain('i8259');
    expect(await runstate(source)).toBe('postmigrate');
    // The destination loaded it and runs the guest (the source was running).
    const deadline = Date.now() + 10_000;
    let state = await runstate(dest);
    while (state !== 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      state = await runstate(dest);
    }
    expect(state).toBe('running');
    await relay.close();
  }, 120_000);
});
