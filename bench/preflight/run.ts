/**
 * Benchmark (real QEMU 10.0 source, 7.2 destination, pc-i440fx-7.2): what pre-flight and the
 * guard cost and save. Numbers are reported, never asserted.
 *
 *   npx tsx bench/preflight/run.ts [calls=250] [runs=5]
 *
 * 1. The guest's pause per pre-flight, over `calls` asks: exactly, from QEMU's own STOP/RESUME
 *    event timestamps (read on a second QMP monitor), and the QMP round trip that bounds it.
 * 2. The refused case (LTIM guest, 1 GiB of RAM full of data): plain migration copies all RAM and
 *    then fails; guarded migration refuses before the first byte. RAM bytes and seconds saved.
 * 3. The success case (prevalent guest, 256 MiB): QEMU's reported downtime of plain vs guarded
 *    migration (median of `runs`), the difference being what the check at the switch-over pause adds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DescriptionSet } from '../../src/compat/index.js';
import {
  captureDeviceState,
  fillRamGuest,
  guardedMigrate,
  layoutCache,
  type MigrationInfo,
  pauseStats,
  pollMigration,
  preflight,
  sourceDescriptions,
  type Vm,
  waitForDone,
} from '../../src/qemu/index.js';
import { dumpOf, freePort, imageOf, runGuest } from '../../test/qemu-preflight/helpers.js';

const calls = Number(process.argv[2] ?? 250);
const runs = Number(process.argv[3] ?? 5);
const MiB = 2 ** 20;
const dir = mkdtempSync('/tmp/vmq-bench-preflight-');

/** STOP→RESUME intervals from QEMU's event timestamps on a second QMP monitor (µs resolution). */
async function pauseRecorder(socket: string): Promise<{ pauses: number[]; close(): void }> {
  const pauses: number[] = [];
  let stoppedAt: number | undefined;
  let buffer = '';
  const s = createConnection(socket);
  await new Promise<void>((res, rej) => s.once('connect', () => res()).once('error', rej));
  s.setEncoding('utf8');
  s.on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const msg = JSON.parse(buffer.slice(0, nl)) as {
        event?: string;
        timestamp?: { seconds: number; microseconds: number };
      };
      buffer = buffer.slice(nl + 1);
      const t = msg.timestamp ? msg.timestamp.seconds * 1000 + msg.timestamp.microseconds / 1000 : 0;
      if (msg.event === 'STOP') stoppedAt = t;
      if (msg.event === 'RESUME' && stoppedAt !== undefined) {
        pauses.push(t - stoppedAt);
        stoppedAt = undefined;
      }
    }
  });
  s.write('{"execute":"qmp_capabilities"}\n');
  return { pauses, close: () => s.destroy() };
}

async function destination(image: string, memMiB: number): Promise<{ vm: Vm; uri: string }> {
  const port = await freePort();
  const vm = await runGuest('7.2', image, memMiB, { incomingPort: port });
  return { vm, uri: `tcp:127.0.0.1:${port}` };
}

const median = (xs: number[]) => pauseStats(xs).medianMs;
const fmt = (n: number, d = 2) => n.toFixed(d);

async function pausePart(dest72: DescriptionSet) {
  const guest = fillRamGuest(64, true);
  const events = join(dir, 'events.sock');
  const vm = await runGuest('10.0', imageOf(guest, dir), 64, { qmpSocket: events });
  try {
    await waitForDone(vm, guest);
    const recorder = await pauseRecorder(events);
    await new Promise((r) => setTimeout(r, 200));
    const roundTrips: number[] = [];
    for (let i = 0; i < calls; i++) {
      const c = await captureDeviceState(vm.client);
      roundTrips.push(c.pauseMs);
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 200));
    recorder.close();
    const source = await sourceDescriptions(vm.client);
    const layouts = layoutCache();
    const whole: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await preflight(vm.client, dest72, { ...(source ? { source } : {}), layouts });
      whole.push(performance.now() - t);
    }
    return {
      exact: pauseStats(recorder.pauses),
      roundTrip: pauseStats(roundTrips),
      preflight: pauseStats(whole.slice(1)),
    };
  } finally {
    await vm.quit();
  }
}

async function refusedPart(dest72: DescriptionSet) {
  const guest = fillRamGuest(1024, true);
  const image = imageOf(guest, dir);
  const vm = await runGuest('10.0', image, 1024);
  try {
    await waitForDone(vm, guest);
    await vm.qmp('migrate-set-parameters', { 'max-bandwidth': 8 * 2 ** 30 });
    const source = await sourceDescriptions(vm.client);
    // Guarded: pre-flight refuses, nothing is sent.
    const d1 = await destination(image, 1024);
    const t1 = performance.now();
    const guarded = await guardedMigrate(vm.client, {
      uri: d1.uri,
      destination: dest72,
      ...(source ? { source } : {}),
    });
    const guardedSeconds = (performance.now() - t1) / 1000;
    await d1.vm.kill();
    // Plain QEMU migration of the same VM: all RAM, then the destination refuses.
    const d2 = await destination(image, 1024);
    const t2 = performance.now();
    await vm.qmp('migrate', { uri: d2.uri });
    const info = await pollMigration(vm, 300_000);
    await d2.vm.exited;
    const plainSeconds = (performance.now() - t2) / 1000;
    const ram = info.ram as { transferred: number };
    return {
      guarded: { outcome: guarded.outcome, bytes: 0, seconds: guardedSeconds },
      plain: {
        outcome: info.status,
        destinationExit: (await d2.vm.exited).code,
        bytes: ram.transferred,
        seconds: plainSeconds,
      },
      sourceAfterPlain: (await vm.qmp<{ status: string }>('query-status')).status,
    };
  } finally {
    await vm.quit();
  }
}

async function successPart(dest72: DescriptionSet) {
  const guest = fillRamGuest(256, false);
  const image = imageOf(guest, dir);
  const plain: number[] = [];
  const guarded: number[] = [];
  const held: number[] = [];
  for (let run = 0; run < runs; run++) {
    for (const mode of ['plain', 'guarded'] as const) {
      const vm = await runGuest('10.0', image, 256);
      const d = await destination(image, 256);
      try {
        await waitForDone(vm, guest);
        await vm.qmp('migrate-set-parameters', { 'max-bandwidth': 8 * 2 ** 30 });
        let info: MigrationInfo;
        if (mode === 'plain') {
          await vm.qmp('migrate', { uri: d.uri });
          info = await pollMigration(vm, 120_000);
        } else {
          const source = await sourceDescriptions(vm.client);
          const r = await guardedMigrate(vm.client, {
            uri: d.uri,
            destination: dest72,
            ...(source ? { source } : {}),
          });
          if (r.outcome !== 'completed') throw new Error(`guarded migration: ${r.outcome}`);
          info = r.migration ?? {};
          held.push(r.guardMs ?? 0);
        }
        if (info.status !== 'completed')
          throw new Error(`${mode}: ${info.status} ${info['error-desc'] ?? ''}`);
        (mode === 'plain' ? plain : guarded).push(Number(info.downtime));
      } finally {
        await vm.quit();
        await d.vm.kill();
      }
    }
  }
  return { plainDowntimeMs: plain, guardedDowntimeMs: guarded, guardHeldMs: held };
}

try {
  const dest72 = await dumpOf('7.2', dir);
  const pause = await pausePart(dest72);
  console.log(
    `pre-flight pause over ${pause.exact.count} asks (QEMU STOP→RESUME): median ${fmt(pause.exact.medianMs, 3)} ms, ` +
      `p99 ${fmt(pause.exact.p99Ms, 3)} ms, max ${fmt(pause.exact.maxMs, 3)} ms`,
  );
  console.log(
    `  QMP round trip around it: median ${fmt(pause.roundTrip.medianMs)} ms, p99 ${fmt(pause.roundTrip.p99Ms)} ms; ` +
      `whole pre-flight (guest running meanwhile): median ${fmt(pause.preflight.medianMs)} ms, p99 ${fmt(pause.preflight.p99Ms)} ms`,
  );
  const refused = await refusedPart(dest72);
  console.log(
    `refused case, 1 GiB: plain QEMU migration sent ${fmt(refused.plain.bytes / MiB, 0)} MiB in ${fmt(refused.plain.seconds)} s, ` +
      `then the destination exited ${refused.plain.destinationExit} (source left ${refused.sourceAfterPlain}); ` +
      `guarded: ${refused.guarded.outcome}, 0 bytes, ${fmt(refused.guarded.seconds)} s. ` +
      `Saved: ${fmt(refused.plain.bytes / MiB, 0)} MiB and ${fmt(refused.plain.seconds - refused.guarded.seconds)} s`,
  );
  const success = await successPart(dest72);
  console.log(
    `success case, 256 MiB, ${runs} runs: QEMU downtime plain median ${median(success.plainDowntimeMs)} ms, ` +
      `guarded median ${median(success.guardedDowntimeMs)} ms (guard held the pause median ${fmt(median(success.guardHeldMs), 1)} ms); ` +
      `extra downtime ≈ ${median(success.guardedDowntimeMs) - median(success.plainDowntimeMs)} ms`,
  );
  writeFileSync(
    join(import.meta.dirname, 'results.json'),
    `${JSON.stringify({ date: new Date().toISOString(), calls, runs, pause, refused, success }, null, 2)}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
