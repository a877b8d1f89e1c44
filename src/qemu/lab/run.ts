/** Runs the lab's cells against real QEMUs, in parallel bounded by cores. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { QEMU_VERSIONS, type QemuVersionName, reportedVersion, requireQemu } from '../versions.js';
import { defaultCacheDir, LabArtifacts } from './artifacts.js';
import { enumerateCells, type LabCell, type LabMatrix, type Shard, shardCells } from './cells.js';
import { mapBounded } from './pool.js';
import { LAB_REPORT_FORMAT, type LabQemuReport } from './report.js';
import type { CellResult } from './result.js';
import { type CellOptions, runCell } from './run-cell.js';

export interface QemuLabOptions extends CellOptions {
  readonly matrix: LabMatrix;
  readonly shard?: Shard;
  /** Only the first `budget` cells (of this shard), in the stable order. */
  readonly budget?: number;
  /** Cells at once (default: the number of cores). */
  readonly jobs?: number;
  /** Where streams and images go (default: a temp dir, removed at the end). */
  readonly workDir?: string;
  /** Where destination dumps are cached (default: defaultCacheDir()). */
  readonly cacheDir?: string;
  /** Called as each cell finishes. */
  readonly onCell?: (result: CellResult, done: number, total: number) => void;
}

/** The cells a run would execute (after shard and budget), without running anything. */
export async function plannedCells(
  options: Pick<QemuLabOptions, 'matrix' | 'shard' | 'budget'>,
): Promise<LabCell[]> {
  let cells = await enumerateCells(options.matrix);
  if (options.shard !== undefined) cells = shardCells(cells, options.shard);
  if (options.budget !== undefined) cells = cells.slice(0, options.budget);
  return cells;
}

export async function runQemuLab(options: QemuLabOptions): Promise<LabQemuReport> {
  const t0 = performance.now();
  const used = new Set<QemuVersionName>(options.matrix.pairs.flat());
  for (const v of used) requireQemu(v); // a missing version fails the run up front, naming the script
  const cells = await plannedCells(options);
  const versions: Partial<Record<QemuVersionName, string>> = {};
  for (const v of QEMU_VERSIONS) if (used.has(v)) versions[v] = await reportedVersion(v);
  const ownWork = options.workDir === undefined;
  const work = options.workDir ?? mkdtempSync(join(tmpdir(), 'vmstate-lab-qemu-'));
  const artifacts = new LabArtifacts(work, options.cacheDir ?? defaultCacheDir());
  const jobs = options.jobs ?? availableParallelism();
  let done = 0;
  try {
    const results = await mapBounded(cells, jobs, async (cell, i) => {
      const scratch = join(work, 'cells', String(i));
      mkdirSync(scratch, { recursive: true });
      try {
        const r = await runCell(cell, artifacts, scratch, options);
        done++;
        options.onCell?.(r, done, cells.length);
        return r;
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    });
    const shard = options.shard === undefined ? 'all' : `${options.shard.index}/${options.shard.count}`;
    return {
      format: LAB_REPORT_FORMAT,
      versions,
      shards: [options.budget === undefined ? shard : `${shard} (first ${options.budget})`],
      durationMs: Math.round(performance.now() - t0),
      jobs,
      cells: results,
    };
  } finally {
    if (ownWork) rmSync(work, { recursive: true, force: true });
  }
}
