import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { cellId, LAB_REPORT_FORMAT, type LabQemuReport } from '../../src/qemu/index.js';
import { captureOutput } from '../support/captured-output.js';

/** `vmstate lab`: arguments, listing, and the merge step (no QEMU run: reports are given). */
describe('vmstate lab (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vmstate-lab-cli-'));
  const io = captureOutput();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const shardReport = (
    workload: string,
    qemu: 'loads' | 'refused',
    vmstate: 'loads' | 'refused',
    shard: string,
  ) => {
    const c = {
      from: '10.0',
      to: '7.2',
      machine: 'pc-i440fx-7.2',
      devices: 'base',
      workload,
      when: 'settled',
    } as const;
    const report: LabQemuReport = {
      format: LAB_REPORT_FORMAT,
      versions: { '10.0': '10.0.2', '7.2': '7.2.22' },
      shards: [shard],
      durationMs: 1500,
      jobs: 2,
      cells: [
        {
          cell: { id: cellId(c), ...c },
          qemu: { verdict: qemu, status: qemu === 'loads' ? 'completed' : 'failed', ms: 300 },
          vmstate: {
            verdict: vmstate,
            reasons: vmstate === 'refused' ? ['i8259: i8259/ltim'] : [],
            changes: [],
            ms: 5,
          },
          agree: qemu === vmstate,
        },
      ],
    };
    const file = join(dir, `r-${workload}-${shard.replace('/', '_')}.json`);
    writeFileSync(file, JSON.stringify(report));
    return file;
  };

  it('lists the cells of a shard without running QEMU', async () => {
    expect(await main(['lab', 'qemu', '--preset', 'ci', '--list'])).toBe(0);
    const all = io.out.trim().split('\n');
    expect(all).toContain('10.0>7.2 pc-i440fx-7.2 base ltim settled');
    io.out = '';
    expect(await main(['lab', 'qemu', '--preset', 'ci', '--list', '--shard', '2/4'])).toBe(0);
    expect(io.out.trim().split('\n')).toEqual(all.filter((_c, i) => i % 4 === 1));
    io.out = '';
    expect(
      await main(['lab', 'qemu', '--from', '10.0', '--to', '7.2', '--workloads', 'ltim', '--list', '--json']),
    ).toBe(0);
    const cells = JSON.parse(io.out) as { from: string; to: string; workload: string }[];
    expect(new Set(cells.map((c) => `${c.from}>${c.to} ${c.workload}`))).toEqual(new Set(['10.0>7.2 ltim']));
  });

  it('merges shard reports: exit 0 when every cell agrees, 1 when one does not', async () => {
    const a = shardReport('ltim', 'refused', 'refused', '1/2');
    const b = shardReport('prevalent', 'loads', 'loads', '2/2');
    const merged = join(dir, 'merged.json');
    const html = join(dir, 'merged.html');
    expect(await main(['lab', 'merge', a, b, '--out', merged, '--html', html])).toBe(0);
    expect(io.out).toContain('agreement: 2/2 cells');
    expect((JSON.parse(readFileSync(merged, 'utf8')) as LabQemuReport).cells).toHaveLength(2);
    expect(readFileSync(html, 'utf8')).toContain('data-cell="10.0&gt;7.2 pc-i440fx-7.2 base ltim settled"');
    io.out = '';
    expect(await main(['lab', 'merge', a, b, '--markdown'])).toBe(0);
    expect(io.out).toContain('| pair | cells | loads | refused | agree |');
    expect(io.out).toContain('| all | 2 | 1 | 1 | 2 | 0 | 0 | 0/0 | 0 |');
    io.out = '';
    const c = shardReport('rtc-periodic', 'loads', 'refused', '1/1');
    expect(await main(['lab', 'merge', a, c, '--json'])).toBe(1);
    expect((JSON.parse(io.out) as LabQemuReport).cells).toHaveLength(2);
  });

  it('usage errors exit 2 and name the problem', async () => {
    expect(await main(['lab', 'nope'])).toBe(2);
    expect(io.err).toMatch(/unknown lab mode/);
    expect(await main(['lab', 'merge'])).toBe(2);
    expect(await main(['lab', 'merge', join(dir, 'missing.json')])).toBe(2);
    const bogus = join(dir, 'bogus.json');
    writeFileSync(bogus, '{"format":"x"}');
    expect(await main(['lab', 'merge', bogus])).toBe(2);
    expect(await main(['lab', 'qemu', '--shard', '5/4', '--list'])).toBe(2);
    expect(await main(['lab', 'qemu', '--when', 'later', '--list'])).toBe(2);
    expect(await main(['lab', 'qemu', '--workloads', 'nope', '--list'])).toBe(2);
    expect(io.err).toMatch(/unknown workload 'nope'/);
    const saved = process.env.VMSTATE_QEMU_PREFIX;
    process.env.VMSTATE_QEMU_PREFIX = join(dir, 'nowhere');
    try {
      expect(await main(['lab', 'qemu', '--list'])).toBe(2);
      expect(io.err).toMatch(/scripts\/qemu-versions\.sh/);
    } finally {
      if (saved === undefined) delete process.env.VMSTATE_QEMU_PREFIX;
      else process.env.VMSTATE_QEMU_PREFIX = saved;
    }
  });
});
