import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainLoss, movedField } from '../../../test/lab/fixtures/buggy.js';
import { timerdev } from '../../../test/lab/fixtures/timerdev.js';
import { buffer, defineMachines, equal, field, uint8, vmsd } from '../../index.js';
import { migrateAlong } from './migrate.js';
import { canMigrate } from './preflight.js';
import { arbitraryForVersion } from './version-arbitrary.js';
import { defineVersions, sharedMachines } from './versions.js';

describe('canMigrate (pre-flight)', () => {
  it('agrees with real migrations on a correct model: ok exactly when the destination loads', () => {
    for (const from of timerdev.versions) {
      for (const to of timerdev.versions) {
        for (const machine of sharedMachines(timerdev, from, to)) {
          const ctx = timerdev.machines.context(machine);
          const arb = arbitraryForVersion(from, {
            ctx,
            machineDefaults: timerdev.machines.defaults,
            switchesOff: timerdev.switchesOff ?? [],
          });
          fc.assert(
            fc.property(arb, (state) => {
              const verdict = canMigrate(state, { from, to, ctx });
              const real = migrateAlong([from, to], state, ctx);
              expect(verdict.ok, `${from.name}→${to.name} on ${machine}`).toBe(real.outcome === 'ok');
              if (real.outcome === 'refused')
                expect(verdict.refusals.map((r) => r.code)).toContain(real.code);
            }),
            { numRuns: 40, seed: 5 },
          );
        }
      }
    }
  });

  it('names the subsection that would be refused, and the state that would be dropped', () => {
    const from = timerdev.version('4.0');
    const to = timerdev.version('3.0');
    const state = {
      timerdev: { ctrl: 1, count: 2, irq_level: 0, fifo_len: 0, fifo: [], count_hi: 0, latch: 0x1234 },
    };
    const verdict = canMigrate(state, { from, to, ctx: timerdev.machines.context('pc-2') });
    expect(verdict.ok).toBe(false);
    expect(verdict.refusals).toEqual([
      expect.objectContaining({ code: 'unknown-subsection', path: ['timerdev', 'timerdev/latch'] }),
    ]);
    expect(verdict.lost).toEqual([{ path: 'timerdev.latch', value: 0x1234 }]);
  });

  it('refuses a machine type the destination does not have, and a version bump', () => {
    const from = timerdev.version('5.0');
    const to = timerdev.version('3.0');
    const state = {
      timerdev: { ctrl: 0, count: 0, mode: 0, irq_level: 0, fifo_len: 0, fifo: [], count_hi: 0, latch: 0 },
    };
    const codes = canMigrate(state, { from, to, ctx: timerdev.machines.context('pc-3') }).refusals.map(
      (r) => r.code,
    );
    expect(codes).toEqual(['machine-unsupported', 'version-too-new']);
  });

  it('flags a field moved without a version bump, and state a padding slot drops', () => {
    const ctx = movedField.machines.context('m-1');
    const moved = canMigrate(
      { dev: { ctrl: 1, status: 2, count: 3 } },
      { from: movedField.version('1.0'), to: movedField.version('1.1'), ctx },
    );
    expect(moved.ok).toBe(false);
    expect(moved.unsafe.map((u) => [u.code, u.path])).toEqual([
      ['moved', ['dev', 'status']],
      ['moved', ['dev', 'ctrl']],
    ]);
    const dropped = canMigrate(
      { dev: { ctrl: 1, mask: 5 } },
      { from: chainLoss.version('1.0'), to: chainLoss.version('2.0'), ctx },
    );
    expect(dropped.ok).toBe(true);
    expect(dropped.lost).toEqual([{ path: 'dev.mask', value: 5 }]);
  });

  it('never reads buffer contents: a large buffer costs no more than a small one', () => {
    // A pre-flight touches the state's members, not the bytes: it runs on a state whose bytes are a getter that throws.
    const from = timerdev.version('3.0');
    const fifo = new Proxy([1, 2], {
      get(target, p, r) {
        if (p === '0' || p === '1') throw new Error('element read');
        return Reflect.get(target, p, r);
      },
    });
    const state = { timerdev: { ctrl: 0, count: 0, irq_level: 0, fifo_len: 2, fifo } };
    expect(
      canMigrate(state, { from, to: timerdev.version('4.0'), ctx: timerdev.machines.context('pc-2') }).ok,
    ).toBe(true);
  });
  it('never reads the bytes of a fixed buffer either, on matching layouts and through equal() checks', () => {
    const machines = defineMachines({ types: [{ name: 'm' }] });
    const ram = (version: number) =>
      vmsd('ram', {
        version,
        fields: [field('banks', equal(uint8), { default: 2 }), field('bytes', buffer(1 << 20))],
      });
    const set = defineVersions({
      machines,
      versions: [
        { name: 'a', sections: [ram(1)], machines: ['m'] },
        { name: 'b', sections: [ram(2)], machines: ['m'] },
      ],
    });
    const bytes = new Proxy(new Uint8Array(1 << 20), {
      get(target, p) {
        if (typeof p === 'string' && /^\d+$/.test(p)) throw new Error('element read');
        return Reflect.get(target, p);
      },
    });
    const ctx = machines.context('m');
    const route = { from: set.version('a'), to: set.version('b'), ctx };
    expect(canMigrate({ ram: { banks: 2, bytes } }, route)).toEqual({
      ok: true,
      refusals: [],
      unsafe: [],
      lost: [],
    });
    expect(canMigrate({ ram: { banks: 3, bytes } }, route).refusals).toMatchObject([
      { code: 'not-equal', path: ['ram', 'banks'] },
    ]);
  });
});

describe('canMigrate and the presence rule', () => {
  it('a needed() that throws is a certain hook-failed refusal, as the save it predicts', () => {
    const machines = defineMachines({ types: [{ name: 'm' }] });
    const dev = vmsd('dev', {
      version: 1,
      fields: [field('a', uint8)],
      subsections: (sub) => [
        sub('dev/x', {
          version: 1,
          fields: [field('x', uint8)],
          needed: (s) => {
            if (s.a === 13) throw new Error('unlucky');
            return false;
          },
        }),
      ],
    });
    const set = defineVersions({ machines, versions: [{ name: '1', sections: [dev], machines: ['m'] }] });
    const v = set.version('1');
    const ctx = machines.context('m');
    const bad = { dev: { a: 13, x: 0 } };
    const verdict = canMigrate(bad, { from: v, to: v, ctx });
    expect(verdict.ok).toBe(false);
    expect(verdict.refusals.map((r) => r.code)).toEqual(['hook-failed']);
    expect(migrateAlong([v, v], bad, ctx)).toMatchObject({ outcome: 'refused', code: 'hook-failed' });
    expect(canMigrate({ dev: { a: 1, x: 0 } }, { from: v, to: v, ctx }).ok).toBe(true);
  });
});
