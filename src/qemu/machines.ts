/** Machine types as `qemu-system-x86_64 -M help` lists them, and their version numbers. */

export interface MachineInfo {
  readonly name: string;
  readonly description: string;
  /** For an alias such as `pc`: the machine it stands for. */
  readonly aliasOf?: string;
  readonly isDefault: boolean;
  readonly deprecated: boolean;
}

/** Parses `-M help` output. */
export function parseMachineHelp(text: string): MachineInfo[] {
  const out: MachineInfo[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(.+)$/.exec(line);
    if (m === null || line.startsWith('Supported machines')) continue;
    const [, name = '', description = ''] = m;
    const alias = /\(alias of (\S+)\)/.exec(description)?.[1];
    out.push({
      name,
      description,
      ...(alias === undefined ? {} : { aliasOf: alias }),
      isDefault: description.includes('(default)'),
      deprecated: description.includes('(deprecated)'),
    });
  }
  return out;
}

/** Version numbers of a versioned machine name: `pc-q35-4.0.1` with family `pc-q35` → [4, 0, 1]. */
export function machineVersion(name: string, family: string): number[] | undefined {
  if (!name.startsWith(`${family}-`)) return undefined;
  const rest = name.slice(family.length + 1);
  if (!/^\d+(\.\d+)*$/.test(rest)) return undefined;
  return rest.split('.').map(Number);
}

/** Numeric comparison of version arrays ([2, 12] > [2, 2]; [4, 0, 1] > [4, 0]). */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** Oldest and newest versioned machine of a family (`pc-i440fx`, `pc-q35`), by numeric version. */
export function machineRange(
  machines: readonly MachineInfo[],
  family: string,
): { oldest: string; newest: string } | undefined {
  const versioned = machines
    .map((m) => ({ name: m.name, v: machineVersion(m.name, family) }))
    .filter((m): m is { name: string; v: number[] } => m.v !== undefined)
    .sort((a, b) => compareVersions(a.v, b.v));
  const first = versioned[0];
  const last = versioned[versioned.length - 1];
  return first === undefined || last === undefined ? undefined : { oldest: first.name, newest: last.name };
}
