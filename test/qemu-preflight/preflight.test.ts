import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { DescriptionSet } from '../../src/compat/index.js';
import {
  ltimGuest,
  ltimToggleGuest,
  preflight,
  preflightUntilLoads,
  prevalentGuest,
  sourceDescriptions,
} from '../../src/qemu/index.js';
import { dumpOf, imageOf, runGuest, runstate, scratch } from './helpers.js';

/**
 * Pre-flight against real QEMUs: a 10.0 guest (pc-i440fx-7.2) asked whether QEMU 7.2 would load
 * its device state, with 7.2's own -dump-vmstate. Only verdicts are asserted; times are printed.
 */
describe('vmstate preflight (real QEMU 10.0 source, 7.2 destination dump)', () => {
  const { dir, cleanup } = scratch('preflight');
  let dest72: DescriptionSet;
  let source10: DescriptionSet | undefined;
  beforeAll(async () => {
    dest72 = await dumpOf('7.2', dir);
  }, 60_000);
  afterAll(cleanup);

  it('LTIM guest: refused, naming i8259/ltim and ltim = 0x08; the guest keeps running', async () => {
    const vm = await runGuest('10.0', imageOf(ltimGuest, dir), 64);
    try {
      await new Promise((r) => setTimeout(r, ltimGuest.settleMs));
      source10 = await sourceDescriptions(vm.client);
      expect(source10, 'QEMU 10.0 is installed: its dump describes the sender').toBeDefined();
      const started = performance.now();
      const result = await preflight(vm.client, dest72, source10 ? { source: source10 } : {});
      const ms = performance.now() - started;
      console.log(
        `preflight LTIM: ${result.verdict} in ${ms.toFixed(1)} ms, guest paused ≤ ${result.pauseMs.toFixed(2)} ms`,
      );
      expect(result.verdict).toBe('refused');
      const ltim = result.findings.find((f) => f.severity === 'error' && f.path.includes('i8259/ltim'));
      expect(ltim?.message).toContain('ltim = 0x08');
      expect(result.before.status).toBe('running');
      expect(result.after.status).toBe('running');
      expect(await runstate(vm)).toBe('running');
    } finally {
      await vm.quit();
    }
  }, 60_000);

  it('prevalent guest: loads', async () => {
    const vm = await runGuest('10.0', imageOf(prevalentGuest, dir), 64);
    try {
      await new Promise((r) => setTimeout(r, prevalentGuest.settleMs));
      const result = await preflight(vm.client, dest72, source10 ? { source: source10 } : {});
      const errors = result.findings.filter((f) => f.severity === 'error');
      expect(errors.map((f) => `${f.path.join(' › ')}: ${f.message}`)).toEqual([]);
      expect(result.verdict).toBe('loads');
      expect(await runstate(vm)).toBe('running');
    } finally {
      await vm.quit();
    }
  }, 60_000);

  it('a paused VM stays paused', async () => {
    const vm = await runGuest('10.0', imageOf(ltimGuest, dir), 64);
    try {
      await new Promise((r) => setTimeout(r, ltimGuest.settleMs));
      await vm.qmp('stop');
      const result = await preflight(vm.client, dest72);
      expect(result.before.status).toBe('paused');
      expect(result.after.status).toBe('paused');
      expect(await runstate(vm)).toBe('paused');
    } finally {
      await vm.quit();
    }
  }, 60_000);

  it('--wait-safe: a guest that leaves the LTIM state every other second is asked until it loads', async () => {
    const vm = await runGuest('10.0', imageOf(ltimToggleGuest, dir), 64);
    try {
      await new Promise((r) => setTimeout(r, ltimToggleGuest.settleMs));
      const seen: string[] = [];
      const wait = await preflightUntilLoads(vm.client, dest72, {
        forMs: 10_000,
        pauseShare: 0.01,
        ...(source10 ? { source: source10 } : {}),
        onAttempt: (r) => seen.push(r.verdict),
      });
      console.log(
        `wait-safe: ${wait.attempts} asks in ${wait.waitedMs.toFixed(0)} ms, pauses median ` +
          `${wait.pauses.medianMs.toFixed(2)} ms, max ${wait.pauses.maxMs.toFixed(2)} ms: ${seen.join(' ')}`,
      );
      expect(wait.final.verdict).toBe('loads');
      expect(seen.at(-1)).toBe('loads');
      expect(seen.slice(0, -1).every((v) => v === 'refused')).toBe(true);
      expect(wait.pauses.count).toBe(wait.attempts);
      expect(await runstate(vm)).toBe('running');
    } finally {
      await vm.quit();
    }
  }, 60_000);

  it('CLI: exit 1 and the JSON verdict for the LTIM guest; exit 2 when QEMU cannot be asked', async () => {
    const socket = join(dir, 'cli.sock');
    const dump = join(dir, 'dump-7.2.json');
    const vm = await runGuest('10.0', imageOf(ltimGuest, dir), 64, { qmpSocket: socket });
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    try {
      await new Promise((r) => setTimeout(r, ltimGuest.settleMs));
      process.stdout.write = ((s: string) => out.push(s) > 0) as typeof process.stdout.write;
      const code = await main(['preflight', '--qmp', socket, '--to', dump, '--json']);
      process.stdout.write = write;
      expect(code).toBe(1);
      const json = JSON.parse(out.join('')) as {
        verdict: string;
        runstateAfter: string;
        findings: { message: string }[];
      };
      expect(json.verdict).toBe('refused');
      expect(json.runstateAfter).toBe('running');
      expect(json.findings.some((f) => f.message.includes('ltim = 0x08'))).toBe(true);
      expect(await main(['preflight', '--qmp', join(dir, 'nobody.sock'), '--to', dump])).toBe(2);
    } finally {
      process.stdout.write = write;
      await vm.quit();
    }
  }, 60_000);
});
