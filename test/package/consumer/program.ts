// A consumer's program: every public entry point, type-checked without @types/node and run.
import { formatIssue as rootFormatIssue, vmsd as rootVmsd } from 'vmstate';
import { initial, load, save } from 'vmstate/codec';
import { checkCompatibility, defineVersions, fromDescriptions } from 'vmstate/compat';
import { defineMachines, field, type Infer, uint8, uint16, vmsd } from 'vmstate/describe';
import { formatIssue, MigrationError } from 'vmstate/errors';
import { PROTOCOL } from 'vmstate/migrate';
import { parseQemuVersion, QEMU_VERSIONS } from 'vmstate/qemu';
import { parseVmdesc } from 'vmstate/stream';
import { Reader, Writer } from 'vmstate/wire';

const machines = defineMachines({ types: [{ name: 'pc-1' }] });
const v1 = vmsd('dev', { version: 1, minimumVersion: 1, fields: [field('a', uint8)] });
const v2 = vmsd('dev', {
  version: 2,
  minimumVersion: 1,
  fields: [field('a', uint8), field('b', uint16, { since: 2 })],
});
const state: Infer<typeof v2> = { ...initial(v2), a: 7, b: 300 };
const bytes = save(v2, state);
const back = load(v2, bytes);

const w = new Writer(16);
w.u16(0xbeef);
const r = new Reader(w.finish());
const word = r.u16();

let refused = '';
try {
  load(v1, bytes);
} catch (e) {
  if (!(e instanceof MigrationError)) throw e;
  refused = e.issues.map(formatIssue).join('; ');
}
const versions = defineVersions({
  machines,
  versions: [
    { name: '1', sections: [v1], machines: ['pc-1'] },
    { name: '2', sections: [v2], machines: ['pc-1'] },
  ],
});
const report = checkCompatibility(
  fromDescriptions([v2], 'v2', { machines }),
  fromDescriptions([v1], 'v1', { machines }),
);
const vmdesc = parseVmdesc('{"page_size":4096,"devices":[]}', 0);

const out = {
  bytes: bytes.length,
  back: back.b,
  word,
  refused: refused.length > 0,
  versions: versions.versions.length,
  findings: report.findings.length,
  devices: vmdesc.devices.length,
  protocol: PROTOCOL,
  qemu: parseQemuVersion(QEMU_VERSIONS[0] ?? ''),
  same: rootVmsd === vmsd && rootFormatIssue === formatIssue,
};
console.log(JSON.stringify(out));
