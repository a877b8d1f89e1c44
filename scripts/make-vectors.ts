/**
 * Regenerates the golden QEMU vectors in test/vectors/qemu-7.2/ (streams, -dump-vmstate JSON,
 * manifest.json, VECTORS.md) with the real QEMU the harness in test/qemu/qemu.ts drives.
 *
 *   npx tsx scripts/make-vectors.ts
 *
 * Needs qemu-system-x86_64 (Debian 12: `apt-get install -y --no-install-recommends qemu-system-x86`,
 * QEMU 7.2; or set QEMU=/path/to/binary). Rerunnable: every output file is rewritten; other files in
 * the directory are left alone. Each stream is saved twice (to check byte-reproducibility) and loaded
 * back into a fresh QEMU of the same configuration.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  assertQemu,
  dumpVmstate,
  type LoadResult,
  listMachines,
  loadStream,
  machineRange,
  qemuVersion,
  saveStream,
  startVm,
} from '../test/qemu/qemu.js';

const OUT = fileURLToPath(new URL('../test/vectors/qemu-7.2/', import.meta.url));
const MEM_MIB = 32;
const SLIRP_NET: readonly string[] = ['-netdev', 'user,id=n0', '-device', 'e1000,netdev=n0'];

interface StreamSpec {
  readonly file: string;
  readonly machine: string;
  readonly net?: readonly string[];
  readonly why: string;
}

const STREAMS: readonly StreamSpec[] = [
  { file: 'i440fx-7.2.mig', machine: 'pc-i440fx-7.2', why: 'baseline i440fx/PIIX machine' },
  { file: 'q35-7.2.mig', machine: 'pc-q35-7.2', why: 'Q35/ICH9 machine' },
  {
    file: 'i440fx-2.3.mig',
    machine: 'pc-i440fx-2.3',
    why: 'no configuration section, no section footers (send-configuration/send-section-footer off)',
  },
  { file: 'i440fx-2.2.mig', machine: 'pc-i440fx-2.2', why: 'as 2.3 and also no vmdesc (suppress-vmdesc on)' },
  {
    file: 'i440fx-7.2-slirp.mig',
    machine: 'pc-i440fx-7.2',
    net: SLIRP_NET,
    why: 'user-mode network: open-coded `slirp` section, plus an e1000 PCI card',
  },
];

// ------------------------------------------------------------------------------------------------
// structural probe (independent of src/: just enough to describe the framing)

interface RamBlock {
  readonly name: string;
  readonly length: number;
}

interface Shape {
  readonly version: number;
  /** Machine name from the configuration section (0x07), or undefined when absent. */
  readonly configuration: string | undefined;
  readonly ramBlocks: readonly RamBlock[];
  /** Whether the RAM START section is followed by a 0x7E footer carrying its section id. */
  readonly footers: boolean;
  /** Offset of the EOF byte (0x00). */
  readonly eofOffset: number;
  /** vmdesc JSON length and its device entries (idstr/instance), or undefined when absent. */
  readonly vmdesc: { readonly length: number; readonly devices: readonly string[] } | undefined;
}

function probe(buf: Buffer): Shape {
  let p = 0;
  const need = (n: number): void => {
    if (p + n > buf.length) throw new Error(`truncated stream at offset ${p}`);
  };
  const u8 = (): number => {
    need(1);
    return buf.readUInt8(p++);
  };
  const be32 = (): number => {
    need(4);
    const v = buf.readUInt32BE(p);
    p += 4;
    return v;
  };
  const be64 = (): bigint => {
    need(8);
    const v = buf.readBigUInt64BE(p);
    p += 8;
    return v;
  };
  const str = (n: number): string => {
    need(n);
    const s = buf.toString('latin1', p, p + n);
    p += n;
    return s;
  };

  if (str(4) !== 'QEVM') throw new Error('bad magic');
  const version = be32();
  let configuration: string | undefined;
  if (buf[p] === 0x07) {
    p++;
    configuration = str(be32());
  }
  // RAM START: 01 be32 id, u8 len "ram", be32 instance, be32 version, then the block list
  if (u8() !== 0x01) throw new Error(`expected RAM START at ${p - 1}`);
  const ramId = be32();
  const idstr = str(u8());
  if (idstr !== 'ram') throw new Error(`first section is ${idstr}, not ram`);
  be32();
  be32();
  const header = be64();
  if ((header & 0x04n) === 0n) throw new Error('RAM START without MEM_SIZE');
  const total = header & ~0xfffn;
  const ramBlocks: RamBlock[] = [];
  let sum = 0n;
  while (sum < total) {
    const name = str(u8());
    const length = be64();
    ramBlocks.push({ name, length: Number(length) });
    sum += length;
  }
  if (be64() !== 0x10n) throw new Error('RAM START block list not followed by EOS');
  const footers = buf[p] === 0x7e && buf.readUInt32BE(p + 1) === ramId;

  let vmdesc: Shape['vmdesc'];
  let eofOffset = buf.length - 1;
  const at = buf.lastIndexOf('{"page_size"');
  if (at >= 6 && buf[at - 5] === 0x06 && buf.readUInt32BE(at - 4) === buf.length - at) {
    const json = JSON.parse(buf.toString('utf8', at)) as { devices: { name: string; instance_id: number }[] };
    vmdesc = { length: buf.length - at, devices: json.devices.map((d) => `${d.name}/${d.instance_id}`) };
    eofOffset = at - 6;
  }
  if (buf[eofOffset] !== 0x00) throw new Error(`no EOF byte at ${eofOffset}`);
  return { version, configuration, ramBlocks, footers, eofOffset, vmdesc };
}

// ------------------------------------------------------------------------------------------------

interface StreamResult {
  readonly spec: StreamSpec;
  readonly argv: readonly string[];
  readonly size: number;
  readonly sha256: string;
  readonly reproducible: boolean;
  readonly shape: Shape;
  readonly load: LoadResult;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function saveOnce(spec: StreamSpec, file: string): Promise<readonly string[]> {
  const vm = await startVm({
    machine: spec.machine,
    memMiB: MEM_MIB,
    ...(spec.net ? { net: spec.net } : {}),
  });
  try {
    const info = await saveStream(vm, file);
    if (info.status !== 'completed') {
      throw new Error(`${spec.file}: migration ${String(info.status)}: ${vm.stderr()}`);
    }
    const argv = vm.args.map((a) => a.replace(/^unix:.*\/qmp\.sock,/, 'unix:SOCK,'));
    const code = await vm.quit();
    if (code !== 0) throw new Error(`${spec.file}: QEMU exited with ${code}: ${vm.stderr()}`);
    return argv;
  } finally {
    await vm.kill();
  }
}

async function makeStream(spec: StreamSpec): Promise<StreamResult> {
  const final = join(OUT, spec.file);
  const tmpA = `${final}.tmp-a`;
  const tmpB = `${final}.tmp-b`;
  try {
    const argv = await saveOnce(spec, tmpA);
    await saveOnce(spec, tmpB);
    const a = readFileSync(tmpA);
    const reproducible = a.equals(readFileSync(tmpB));
    renameSync(tmpA, final);
    const load = await loadStream(final, {
      machine: spec.machine,
      memMiB: MEM_MIB,
      ...(spec.net ? { net: spec.net } : {}),
    });
    const result = {
      spec,
      argv,
      size: a.length,
      sha256: sha256(a),
      reproducible,
      shape: probe(a),
      load,
    };
    console.error(
      `[make-vectors] ${spec.file}: ${a.length} bytes, load-back ${load.status}, reproducible ${reproducible}`,
    );
    return result;
  } finally {
    rmSync(tmpA, { force: true });
    rmSync(tmpB, { force: true });
  }
}

interface DumpResult {
  readonly file: string;
  readonly machine: string;
  readonly size: number;
  readonly sha256: string;
  readonly classes: number;
}

async function makeDump(machine: string): Promise<DumpResult> {
  const file = `dump-${machine}.json`;
  const path = join(OUT, file);
  await dumpVmstate(machine, `${path}.tmp`);
  renameSync(`${path}.tmp`, path);
  const bytes = readFileSync(path);
  const classes = Object.keys(JSON.parse(bytes.toString('utf8')) as object).length - 1;
  console.error(`[make-vectors] ${file}: ${bytes.length} bytes, ${classes} device classes`);
  return { file, machine, size: bytes.length, sha256: sha256(bytes), classes };
}

function packageVersions(): string {
  try {
    const out = execFileSync('dpkg-query', ['-W', 'qemu-system-x86', 'seabios'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    return out.trim().replaceAll('\t', ' ');
  } catch {
    return '(dpkg-query unavailable)';
  }
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

function renderMarkdown(
  bin: string,
  version: string,
  packages: string,
  streams: readonly StreamResult[],
  dumps: readonly DumpResult[],
  machines: string,
): string {
  const L: string[] = [];
  L.push('# QEMU 7.2 golden vectors');
  L.push('');
  L.push('Real output of QEMU, generated by `npx tsx scripts/make-vectors.ts` (do not edit by hand;');
  L.push('this file, `manifest.json` and every file listed below are rewritten by that script).');
  L.push('');
  L.push(`QEMU: \`${version}\`, binary \`${bin}\`, TCG (no KVM), default firmware.`);
  L.push('Packages:');
  L.push('```');
  L.push(packages);
  L.push('```');
  L.push('');
  L.push('## Migration streams');
  L.push('');
  L.push(
    'All saved from a paused VM that never ran (`-S`), 32 MiB RAM, virtual RTC base (byte-reproducible).',
  );
  L.push('');
  L.push(
    '| file | machine | bytes | config (0x07) | footers (0x7E) | vmdesc | RAM blocks | reproducible | load-back |',
  );
  L.push('|---|---|---:|---|---|---|---|---|---|');
  for (const s of streams) {
    const sh = s.shape;
    const vmdesc = sh.vmdesc ? `yes (${sh.vmdesc.devices.length} devices, ${sh.vmdesc.length} B JSON)` : 'no';
    const blocks = sh.ramBlocks.map((b) => `${b.name} ${b.length.toString(16)}`).join(', ');
    const load = `${s.load.status}${s.load.runstate ? ` (runstate ${s.load.runstate})` : ''}`;
    L.push(
      `| \`${s.spec.file}\` | \`${s.spec.machine}\` | ${s.size} | ${sh.configuration ? `\`${sh.configuration}\`` : 'no'} | ${yesNo(sh.footers)} | ${vmdesc} | ${blocks} | ${yesNo(s.reproducible)} | ${load} |`,
    );
  }
  L.push('');
  L.push('RAM block lengths are hex. "reproducible": two independent saves were byte-identical.');
  L.push('"load-back": the stream was loaded into a fresh QEMU with the same command line plus');
  L.push('`-incoming defer`, then QMP `migrate-incoming {"uri": "exec:cat FILE"}`; final `query-migrate`');
  L.push('status and `query-status` runstate.');
  L.push('');
  for (const s of streams) {
    L.push(`### \`${s.spec.file}\``);
    L.push('');
    L.push(`${s.spec.why}. sha256 \`${s.sha256}\`.`);
    L.push('');
    L.push('```');
    L.push(`${bin} ${s.argv.join(' ')}`);
    L.push('```');
    if (s.shape.vmdesc) {
      L.push('');
      L.push(`Device sections (vmdesc order): ${s.shape.vmdesc.devices.map((d) => `\`${d}\``).join(', ')}.`);
    }
    L.push('');
  }
  L.push('QMP sequence for every save: `qmp_capabilities`; `migrate-set-parameters {"max-bandwidth": 2^40}`');
  L.push('(lifts the default rate limit; no effect on the format); `migrate {"uri": "exec:cat > FILE"}`;');
  L.push('poll `query-migrate` until `completed`; `quit`. Default migration capabilities and parameters.');
  L.push('');
  L.push('## `-dump-vmstate` JSON');
  L.push('');
  L.push('Oldest and newest versioned `pc-i440fx-*` and `pc-q35-*` machine types this QEMU lists.');
  L.push('Command: `qemu-system-x86_64 -nodefaults -display none -M MACHINE -dump-vmstate FILE`.');
  L.push('The output depends on the machine only in `vmschkmachine` (it describes device classes, §14).');
  L.push('');
  L.push('| file | machine | bytes | device classes | sha256 |');
  L.push('|---|---|---:|---:|---|');
  for (const d of dumps) {
    L.push(`| \`${d.file}\` | \`${d.machine}\` | ${d.size} | ${d.classes} | \`${d.sha256.slice(0, 16)}…\` |`);
  }
  L.push('');
  L.push('Machine types listed by `-M help`:');
  L.push('');
  L.push('```');
  L.push(machines);
  L.push('```');
  L.push('');
  L.push('## Regenerate');
  L.push('');
  L.push('```');
  L.push('apt-get install -y --no-install-recommends qemu-system-x86   # Debian 12: QEMU 7.2');
  L.push('npx tsx scripts/make-vectors.ts                              # QEMU=/path/to/binary to override');
  L.push('```');
  L.push('');
  L.push('`README.md`, `pc-paused.mig` and its `.json` files in this directory are an older fixture made');
  L.push('without the virtual RTC base (not byte-reproducible); this script does not touch them.');
  L.push('');
  return L.join('\n');
}

async function main(): Promise<void> {
  process.once('SIGINT', () => process.exit(130)); // runs the harness exit hook (kills QEMU)
  const bin = assertQemu();
  const version = await qemuVersion();
  const packages = packageVersions();
  const machines = await listMachines();

  const streams: StreamResult[] = [];
  for (const spec of STREAMS) streams.push(await makeStream(spec));

  const dumpMachines: string[] = [];
  for (const family of ['pc-i440fx', 'pc-q35']) {
    const range = machineRange(machines, family);
    if (range === undefined) throw new Error(`QEMU lists no ${family}-* machine types`);
    dumpMachines.push(range.oldest, range.newest);
  }
  const dumps: DumpResult[] = [];
  for (const m of dumpMachines) dumps.push(await makeDump(m));

  const manifest = {
    qemu: version,
    packages: packages.split('\n'),
    binary: bin,
    streams: streams.map((s) => ({
      file: s.spec.file,
      machine: s.spec.machine,
      argv: s.argv,
      size: s.size,
      sha256: s.sha256,
      reproducible: s.reproducible,
      configuration: s.shape.configuration ?? null,
      footers: s.shape.footers,
      eofOffset: s.shape.eofOffset,
      ramBlocks: s.shape.ramBlocks,
      vmdesc: s.shape.vmdesc ?? null,
      loadBack: { status: s.load.status, runstate: s.load.runstate ?? null },
    })),
    dumps,
  };
  writeFileSync(join(OUT, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const machineText = machines
    .map((m) => `${m.name.padEnd(16)} ${m.description}`)
    .join('\n')
    .trimEnd();
  writeFileSync(join(OUT, 'VECTORS.md'), renderMarkdown(bin, version, packages, streams, dumps, machineText));

  const failed = streams.filter((s) => s.load.status !== 'completed' || !s.reproducible);
  const total = [...streams, ...dumps].reduce((n, x) => n + x.size, 0);
  console.error(`[make-vectors] wrote ${OUT} (${total} bytes of vectors, VECTORS.md, manifest.json)`);
  for (const s of failed) {
    console.error(
      `[make-vectors] PROBLEM ${s.spec.file}: load-back ${s.load.status}, reproducible ${s.reproducible}`,
    );
    if (s.load.errorDesc !== undefined) console.error(s.load.errorDesc);
  }
  if (failed.length > 0) process.exitCode = 1;
}

await main();
