import { describe, expect, it } from 'vitest';
import { defineMachines, field, uint8, vmsd } from '../../index.js';
import { prevalence } from './prevalence.js';
import { wilsonInterval } from './stats.js';
import { defineVersions } from './versions.js';

describe('wilsonInterval', () => {
  it('matches the textbook values', () => {
    const [lo, hi] = wilsonInterval(5, 10);
    expect(lo).toBeCloseTo(0.2366, 4);
    expect(hi).toBeCloseTo(0.7634, 4);
    const [lo0, hi0] = wilsonInterval(0, 10);
    expect(lo0).toBe(0);
    expect(hi0).toBeCloseTo(0.2775, 4);
    const [lo1, hi1] = wilsonInterval(10, 10);
    expect(lo1).toBeCloseTo(0.7225, 4);
    expect(hi1).toBe(1);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });
});

describe('prevalence on a workload trace', () => {
  const machines = defineMachines({ types: [{ name: 'm' }] });
  const v1 = vmsd('dev', { version: 1, fields: [field('ctrl', uint8)] });
  const v2 = vmsd('dev', {
    version: 1,
    fields: [field('ctrl', uint8)],
    subsections: (sub) => [
      sub('dev/busy', { version: 1, fields: [field('busy', uint8)], needed: (s) => s.busy !== 0 }),
    ],
  });
  const versions = defineVersions({
    machines,
    versions: [
      { name: '1', sections: [v1], machines: ['m'] },
      { name: '2', sections: [v2], machines: ['m'] },
    ],
  });
  const busy = [0, 0, 1, 1, 1, 0, 1, 0, 0, 0];
  const trace = {
    version: '2',
    machine: 'm',
    steps: busy.map((b, i) => ({ state: { dev: { ctrl: i, busy: b } }, phase: i < 5 ? 'boot' : 'run' })),
  };

  it('counts needed steps, stretches, the longest one and phases', () => {
    const report = prevalence(versions, trace);
    expect(report.subsections).toEqual([
      {
        path: 'dev › dev/busy',
        steps: 10,
        needed: 4,
        fraction: 0.4,
        longest: { start: 2, end: 5 },
        stretches: [
          { start: 2, end: 5 },
          { start: 6, end: 7 },
        ],
        byPhase: [
          { phase: 'boot', steps: 5, needed: 3 },
          { phase: 'run', steps: 5, needed: 1 },
        ],
      },
    ]);
    expect(report.phases).toEqual([
      { phase: 'boot', start: 0, end: 5 },
      { phase: 'run', start: 5, end: 10 },
    ]);
  });

  it('gives the share of steps at which backward migration fails, with a Wilson interval', () => {
    const [risk] = prevalence(versions, trace).destinations;
    expect(risk).toMatchObject({
      to: '1',
      steps: 10,
      failing: 4,
      rate: 0.4,
      counts: { ok: 6, refused: 4, unsafe: 0, crash: 0 },
      refusedBy: { 'unknown-subsection': 4 },
    });
    expect(risk?.ci95).toEqual(wilsonInterval(4, 10));
  });
});

describe('prevalence: what a save of each step would send', () => {
  const machines = defineMachines({ types: [{ name: 'new' }, { name: 'old' }] });
  const dev = vmsd('dev', {
    version: 1,
    fields: [field('on', uint8)],
    subsections: (sub) => [
      sub('dev/busy', { version: 1, fields: [field('busy', uint8)], needed: (s) => s.busy !== 0 }),
    ],
    // The whole section is sent only while the device is on.
    needed: (s) => s.on !== 0,
  });
  const plain = vmsd('dev', { version: 1, fields: [field('on', uint8)] });
  const versions = defineVersions({
    machines,
    versions: [
      { name: 'old-only', sections: [plain], machines: ['old'] },
      { name: 'both', sections: [dev], machines: ['new', 'old'] },
      { name: 'new-only', sections: [dev], machines: ['new'] },
    ],
  });
  const steps = [
    { on: 1, busy: 1 },
    { on: 0, busy: 1 },
    { on: 0, busy: 0 },
    { on: 1, busy: 0 },
  ];
  const trace = { version: 'both', machine: 'old', steps: steps.map((s) => ({ state: { dev: s } })) };

  it('a section whose needed() is false sends none of its subsections', () => {
    const report = prevalence(versions, trace);
    const byPath = Object.fromEntries(report.subsections.map((s) => [s.path, s]));
    expect(byPath['dev (section)']).toMatchObject({
      needed: 2,
      stretches: [
        { start: 0, end: 1 },
        { start: 3, end: 4 },
      ],
    });
    // Step 1 has busy = 1, but the section is not sent at all.
    expect(byPath['dev › dev/busy']).toMatchObject({ needed: 1, stretches: [{ start: 0, end: 1 }] });
  });

  it('a step without a section’s state counts it as not sent', () => {
    const partial = { ...trace, steps: [{ state: {} }, ...trace.steps] };
    const byPath = Object.fromEntries(prevalence(versions, partial).subsections.map((s) => [s.path, s]));
    expect(byPath['dev (section)']).toMatchObject({
      steps: 5,
      needed: 2,
      stretches: [
        { start: 1, end: 2 },
        { start: 4, end: 5 },
      ],
    });
  });

  it('migrates only to other versions that run the trace’s machine type', () => {
    expect(prevalence(versions, trace).destinations.map((d) => d.to)).toEqual(['old-only']);
    const onNew = { ...trace, machine: 'new' };
    expect(prevalence(versions, onNew).destinations.map((d) => d.to)).toEqual(['new-only']);
  });
});
