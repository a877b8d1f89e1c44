/**
 * The one place that knows which QEMU versions the project runs, and where each one lives.
 *
 *   7.2   Debian 12's own qemu-system-x86: /usr/bin/qemu-system-x86_64
 *   5.2   bullseye, extracted by scripts/qemu-versions.sh into $VMSTATE_QEMU_PREFIX/5.2
 *   10.0  bookworm-backports, extracted into $VMSTATE_QEMU_PREFIX/10.0
 *
 * An extracted version runs through its wrapper (PREFIX/<v>/qemu-system-x86_64), which passes its
 * own firmware with -L and binds its own module directory over the compiled-in one in a private
 * mount namespace (a QEMU always searches /usr/lib/x86_64-linux-gnu/qemu, and another version's
 * modules abort it). Machine types are asked of the binary (`-M help`) and cached per process.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { type MachineInfo, parseMachineHelp } from './machines.js';
import { runTracked } from './process.js';

export const QEMU_VERSIONS = ['5.2', '7.2', '10.0'] as const;
export type QemuVersionName = (typeof QEMU_VERSIONS)[number];

/** Where extracted versions are installed: `$VMSTATE_QEMU_PREFIX`, else `/opt/vmstate-qemu`. */
export function qemuPrefix(): string {
  const p = process.env.VMSTATE_QEMU_PREFIX;
  return p !== undefined && p !== '' ? p : '/opt/vmstate-qemu';
}

/** The system QEMU (7.2) unless `$QEMU` names another binary (kept for the older test harness). */
export const SYSTEM_QEMU = '/usr/bin/qemu-system-x86_64';

/** Compiled-in module directory of every Debian build; the wrappers bind their own over it. */
export const SYSTEM_MODULE_DIR = '/usr/lib/x86_64-linux-gnu/qemu';

export interface QemuInstall {
  readonly version: QemuVersionName;
  /** What to execute: the system binary for 7.2, the wrapper for extracted versions. */
  readonly binary: string;
  /** The real QEMU executable behind the wrapper. */
  readonly executable: string;
  /** Firmware directories (`-L`), in search order; the wrapper already passes them. */
  readonly firmware: readonly string[];
  /** Module directory this version loads (bound over SYSTEM_MODULE_DIR by the wrapper). */
  readonly moduleDir: string;
  /** Extra arguments `-dump-vmstate` needs on this version (5.2 otherwise starts a VNC server). */
  readonly dumpArgs: readonly string[];
  /** True when installed by scripts/qemu-versions.sh (false: the system's package). */
  readonly extracted: boolean;
}

/** A version the caller asked for is not installed: names the script that installs it. */
export class QemuNotInstalledError extends Error {
  override readonly name = 'QemuNotInstalledError';
  constructor(
    readonly version: QemuVersionName,
    readonly binary: string,
    cause?: unknown,
  ) {
    const how =
      version === '7.2'
        ? "install Debian 12's QEMU with `apt-get install -y --no-install-recommends qemu-system-x86`"
        : `install it with \`bash scripts/qemu-versions.sh\` (as root; VMSTATE_QEMU_PREFIX=${qemuPrefix()})`;
    super(`QEMU ${version} is required but ${binary} is not an executable file: ${how}`, { cause });
  }
}

export function isQemuVersion(s: string): s is QemuVersionName {
  return (QEMU_VERSIONS as readonly string[]).includes(s);
}

/** Parses a version name; throws naming the known versions. */
export function parseQemuVersion(s: string): QemuVersionName {
  if (isQemuVersion(s)) return s;
  throw new Error(`unknown QEMU version '${s}': known versions are ${QEMU_VERSIONS.join(', ')}`);
}

/** Describes where a version lives (does not check that it is there: see requireQemu). */
export function qemuInstall(version: QemuVersionName): QemuInstall {
  if (version === '7.2') {
    const env = process.env.QEMU;
    const bin = env !== undefined && env !== '' ? env : SYSTEM_QEMU;
    return {
      version,
      binary: bin,
      executable: bin,
      firmware: ['/usr/share/qemu', '/usr/share/seabios'],
      moduleDir: SYSTEM_MODULE_DIR,
      dumpArgs: [],
      extracted: false,
    };
  }
  const dir = join(qemuPrefix(), version);
  const ownModules = join(dir, 'usr/lib/x86_64-linux-gnu/qemu');
  return {
    version,
    binary: join(dir, 'qemu-system-x86_64'),
    executable: join(dir, 'usr/bin/qemu-system-x86_64'),
    firmware: [join(dir, 'usr/share/qemu'), join(dir, 'usr/share/seabios')],
    // 5.2 ships no modules: its wrapper binds an empty directory.
    moduleDir: version === '5.2' ? join(dir, 'modules') : ownModules,
    dumpArgs: version === '5.2' ? ['-display', 'none'] : [],
    extracted: true,
  };
}

/** The install of `version`, or QemuNotInstalledError when its binary is missing. */
export function requireQemu(version: QemuVersionName): QemuInstall {
  const install = qemuInstall(version);
  try {
    accessSync(install.binary, constants.X_OK);
  } catch (cause) {
    throw new QemuNotInstalledError(version, install.binary, cause);
  }
  return install;
}

/** Every version that is installed (the others are simply absent from the list). */
export function installedVersions(): QemuVersionName[] {
  return QEMU_VERSIONS.filter((v) => {
    try {
      requireQemu(v);
      return true;
    } catch {
      return false;
    }
  });
}

/** `major.minor.micro` of the binary (`--version`), e.g. `10.0.2`. */
export async function reportedVersion(version: QemuVersionName): Promise<string> {
  const { stdout } = await runTracked(requireQemu(version).binary, ['--version'], 15_000);
  const m = /version (\d+\.\d+\.\d+)/.exec(stdout);
  if (m?.[1] === undefined) throw new Error(`QEMU ${version}: unexpected --version output: ${stdout}`);
  return m[1];
}

const machineCache = new Map<string, Promise<MachineInfo[]>>();

/** Machine types this version knows (`-M help`), asked once per process. */
export function machineTypes(version: QemuVersionName): Promise<MachineInfo[]> {
  const install = requireQemu(version);
  let cached = machineCache.get(install.binary);
  if (cached === undefined) {
    cached = runTracked(install.binary, ['-M', 'help'], 15_000).then((r) => parseMachineHelp(r.stdout));
    cached.catch(() => machineCache.delete(install.binary));
    machineCache.set(install.binary, cached);
  }
  return cached;
}

/** Versioned machine types (`pc-i440fx-*`, `pc-q35-*`) that every one of `versions` knows, sorted. */
export async function sharedMachineTypes(versions: readonly QemuVersionName[]): Promise<string[]> {
  const lists = await Promise.all(versions.map((v) => machineTypes(v)));
  const [first, ...rest] = lists.map((l) => new Set(l.map((m) => m.name)));
  if (first === undefined) return [];
  return [...first]
    .filter((name) => /^pc-(i440fx|q35)-\d/.test(name) && rest.every((s) => s.has(name)))
    .sort();
}
