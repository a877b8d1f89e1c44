/** The source QEMU's own descriptions, for a VM whose QEMU version this project installs. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DescriptionSet, loadDescriptionSet } from '../compat/index.js';
import { readTrailer } from '../stream/index.js';
import { machineType, type QmpLink } from './preflight.js';
import { hintedSet } from './preflight-hints.js';
import { isQemuVersion, type QemuVersionName, requireQemu } from './versions.js';
import { dumpVmstate, saveStream, startVm } from './vm.js';

/** `query-version` of the VM as one of the installed versions (`10.0.2` → `10.0`), if it is one. */
export async function installedVersionOf(qmp: QmpLink): Promise<QemuVersionName | undefined> {
  const v = (await qmp.command<{ qemu: { major: number; minor: number } }>('query-version')).qemu;
  const name = `${v.major}.${v.minor}`;
  if (!isQemuVersion(name)) return undefined;
  try {
    requireQemu(name);
    return name;
  } catch {
    return undefined;
  }
}

/**
 * The `-dump-vmstate` of the VM's own QEMU version for its machine type, made with the installed
 * binary of that version, its counts hinted by the vmdesc of a small paused VM of the same version
 * and machine type saved for the purpose (about a second in all); undefined when that version is
 * not installed.
 */
export async function sourceDescriptions(
  qmp: QmpLink,
  options: { readonly tmpDir?: string } = {},
): Promise<DescriptionSet | undefined> {
  const version = await installedVersionOf(qmp);
  if (version === undefined) return undefined;
  const machine = await machineType(qmp);
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'vmstate-source-'));
  try {
    const file = join(dir, `dump-${version}-${machine}.json`);
    const stream = join(dir, 'template.mig');
    await dumpVmstate(machine, file, { version });
    const vm = await startVm({ machine, version, memMiB: 16 });
    try {
      const saved = await saveStream(vm, stream);
      if (saved.status !== 'completed') throw new Error(`QEMU ${version} did not save a template stream`);
    } finally {
      await vm.kill();
    }
    const trailer = await readTrailer(stream);
    const dump = await loadDescriptionSet(file);
    return trailer?.vmdesc === undefined ? dump : hintedSet(dump, trailer.vmdesc);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
