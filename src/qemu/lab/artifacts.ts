/**
 * Files a lab run needs, each made once per run and shared by the cells that need it: guest
 * floppy images, source streams (one save serves every destination of the same source), and
 * destination `-dump-vmstate` JSON (cached across runs, keyed by the binary's exact version).
 */
import { mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type DescriptionSet, fromDumpVmstate } from '../../compat/index.js';
import { guestByName } from '../guests/catalog.js';
import { writeFloppy } from '../guests/floppy.js';
import { guestImage } from '../guests/guest.js';
import { saveGuest } from '../guests/run.js';
import { type QemuVersionName, reportedVersion } from '../versions.js';
import { dumpVmstate } from '../vm.js';
import type { LabCell } from './cells.js';
import { deviceSetByName } from './device-sets.js';

/** `$XDG_CACHE_HOME/vmstate/qemu`, else `~/.cache/vmstate/qemu`. */
export function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'vmstate', 'qemu');
}

/** A file-safe name. */
const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_');

export class LabArtifacts {
  readonly #images = new Map<string, string>();
  readonly #streams = new Map<string, Promise<string>>();
  readonly #dumps = new Map<string, Promise<{ file: string; set: DescriptionSet }>>();

  constructor(
    readonly workDir: string,
    readonly cacheDir: string,
  ) {
    mkdirSync(join(workDir, 'images'), { recursive: true });
    mkdirSync(join(workDir, 'streams'), { recursive: true });
  }

  /** The floppy image of a workload. */
  image(workload: string): string {
    let file = this.#images.get(workload);
    if (file === undefined) {
      file = join(this.workDir, 'images', `${safe(workload)}.img`);
      writeFloppy(file, guestImage(guestByName(workload)));
      this.#images.set(workload, file);
    }
    return file;
  }

  /** QEMU arguments of a cell's devices: the workload's own, then the device set's. */
  deviceArgs(cell: LabCell): string[] {
    return [...guestByName(cell.workload).devices, ...deviceSetByName(cell.devices).args];
  }

  /** The source stream of a cell, saved once by the source version and shared. */
  sourceStream(cell: LabCell): Promise<string> {
    const key = safe(`${cell.from}_${cell.machine}_${cell.devices}_${cell.workload}_${cell.when}`);
    let p = this.#streams.get(key);
    if (p === undefined) {
      const file = join(this.workDir, 'streams', `${key}.mig`);
      p = saveGuest(
        {
          guest: guestByName(cell.workload),
          version: cell.from,
          machine: cell.machine,
          image: this.image(cell.workload),
          devices: deviceSetByName(cell.devices).args,
          when: cell.when,
        },
        file,
      ).then(() => file);
      this.#streams.set(key, p);
    }
    return p;
  }

  /** The destination's `-dump-vmstate` for a machine type, as the checker's model (cached on disk). */
  destination(version: QemuVersionName, machine: string): Promise<{ file: string; set: DescriptionSet }> {
    const key = `${version} ${machine}`;
    let p = this.#dumps.get(key);
    if (p === undefined) {
      p = (async () => {
        const exact = await reportedVersion(version);
        const dir = join(this.cacheDir, 'dumps', safe(exact));
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `${safe(machine)}.json`);
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          const tmp = `${file}.tmp-${process.pid}`;
          await dumpVmstate(machine, tmp, { version });
          renameSync(tmp, file);
          text = readFileSync(file, 'utf8');
        }
        return { file, set: fromDumpVmstate(JSON.parse(text), `QEMU ${exact} ${machine}`) };
      })();
      p.catch(() => this.#dumps.delete(key));
      this.#dumps.set(key, p);
    }
    return p;
  }
}
