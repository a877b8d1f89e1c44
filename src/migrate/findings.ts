import {
  canMigrate,
  checkCompatibility,
  type Finding,
  type FindingCode,
  fromDescriptions,
  fromDumpVmstate,
  type PreflightIssue,
  type ReleasedVersion,
  type VersionSet,
  type VersionState,
} from '../compat/index.js';
import type { MachineRegistry, MigrationContext } from '../describe/index.js';
import { MigrationError } from '../errors/index.js';
import { type ControlMessage, type MemoryLayout, PROTOCOL } from './messages.js';

/**
 * A reason found at the handshake, in the shape of `vmstate check`'s findings (code, path,
 * message, severity, direction, suggestion). Codes are the checker's, the pre-flight's
 * (`canMigrate`), or the migration's own (`protocol-mismatch`, `memory-layout`, `state-dropped`).
 */
export interface MigrationFinding extends Omit<Finding, 'code'> {
  readonly code:
    | FindingCode
    | PreflightIssue['code']
    | 'protocol-mismatch'
    | 'memory-layout'
    | 'state-dropped';
}

export interface Preflight {
  /** No error: the bulk copy may start. */
  readonly ok: boolean;
  readonly findings: readonly MigrationFinding[];
  /** How the answer was reached: from the live state (the release is known) or statically. */
  readonly by: 'state' | 'static';
}

type Hello = Extract<ControlMessage, { type: 'hello' }>;

export interface PreflightInput {
  readonly release: ReleasedVersion;
  readonly ctx: MigrationContext;
  readonly machines?: MachineRegistry;
  readonly versions?: VersionSet;
  readonly memory: readonly MemoryLayout[];
  readonly state: VersionState;
}

const SUGGEST: Partial<Record<MigrationFinding['code'], string>> = {
  'unknown-subsection':
    'the destination cannot load this state now; retry when the state is prevalent, or migrate to a newer release',
  'unknown-section': 'the destination release lacks this device; migrate to a release that has it',
  'version-too-new': 'migrate to a release at least as new as this section version',
  'version-too-old': 'the destination no longer reads this version; go through an intermediate release',
  'machine-unsupported': 'start the destination with a machine type it supports and this release runs',
  'machine-type-differs': 'start the destination with the same machine type as the source',
  'memory-layout': 'give the destination the same RAM blocks (names and sizes)',
  'protocol-mismatch': 'run the same vmstate protocol version on both ends',
  'state-dropped': 'the destination has no member for this value; it will be lost',
};

function finding(
  code: MigrationFinding['code'],
  severity: MigrationFinding['severity'],
  path: MigrationFinding['path'],
  message: string,
): MigrationFinding {
  return { code, severity, direction: 'forward', path, message, suggestion: SUGGEST[code] ?? '' };
}

function layoutFindings(mine: readonly MemoryLayout[], theirs: readonly MemoryLayout[]): MigrationFinding[] {
  const out: MigrationFinding[] = [];
  const byName = new Map(theirs.map((m) => [m.name, m]));
  for (const m of mine) {
    const t = byName.get(m.name);
    if (!t)
      out.push(finding('memory-layout', 'error', [m.name], `the destination has no RAM block ${m.name}`));
    else if (t.size !== m.size || t.pageSize !== m.pageSize) {
      out.push(
        finding(
          'memory-layout',
          'error',
          [m.name],
          `RAM block ${m.name}: ${m.size} bytes in ${m.pageSize}-byte pages here, ${t.size} in ${t.pageSize} there`,
        ),
      );
    }
  }
  if (theirs.length !== mine.length) {
    const names = new Set(mine.map((m) => m.name));
    for (const t of theirs) {
      if (!names.has(t.name)) {
        out.push(finding('memory-layout', 'error', [t.name], `the source has no RAM block ${t.name}`));
      }
    }
  }
  return out;
}

function staticFindings(input: PreflightInput, hello: Hello): MigrationFinding[] {
  try {
    const mine = fromDescriptions(input.release.sections, input.release.name, {
      ...(input.machines ? { machines: input.machines } : {}),
      machine: input.ctx.machine,
    });
    const theirs = fromDumpVmstate(hello.descriptions, hello.release, 'module');
    return checkCompatibility(mine, theirs, { direction: 'forward' }).findings.map((f) => ({ ...f }));
  } catch (e) {
    const message = e instanceof MigrationError ? e.message : String(e);
    return [
      finding('protocol-mismatch', 'error', [], `the destination's descriptions are unreadable: ${message}`),
    ];
  }
}

/**
 * The source's pre-flight at the handshake, before any bulk copy: protocol, machine type and RAM
 * layout; then, when the source knows the destination's release, `canMigrate` on the live state
 * (decisive: it sees which subsections this state sends); otherwise `check` on the announced
 * descriptions (an error refuses). Static findings are always listed.
 */
export function preflight(input: PreflightInput, hello: Hello): Preflight {
  const findings: MigrationFinding[] = [];
  if (hello.protocol !== PROTOCOL) {
    findings.push(
      finding(
        'protocol-mismatch',
        'error',
        [],
        `destination speaks protocol ${hello.protocol}, source ${PROTOCOL}`,
      ),
    );
    return { ok: false, findings, by: 'static' };
  }
  if (hello.machine !== input.ctx.machine) {
    findings.push(
      finding(
        'machine-type-differs',
        'error',
        [],
        `the source runs machine type ${input.ctx.machine}, the destination ${hello.machine}`,
      ),
    );
  }
  findings.push(...layoutFindings(input.memory, hello.memory));
  const statics = staticFindings(input, hello);
  let target: ReleasedVersion | undefined;
  try {
    target = input.versions?.version(hello.release);
  } catch {
    target = undefined;
  }
  if (!target) {
    findings.push(...statics);
    return { ok: !findings.some((f) => f.severity === 'error'), findings, by: 'static' };
  }
  const answer = canMigrate(input.state, { from: input.release, to: target, ctx: input.ctx });
  for (const r of answer.refusals) findings.push(finding(r.code, 'error', r.path, r.message));
  for (const u of answer.unsafe) findings.push(finding(u.code, 'error', u.path, u.message));
  for (const l of answer.lost) {
    findings.push(
      finding(
        'state-dropped',
        'warning',
        [l.path],
        `${l.path} is not at its reset value and would be dropped`,
      ),
    );
  }
  // The static view, demoted: the live state decides, but the hazards are worth listing.
  for (const f of statics) findings.push({ ...f, severity: f.severity === 'error' ? 'warning' : f.severity });
  return { ok: !findings.some((f) => f.severity === 'error'), findings, by: 'state' };
}

/** One line per error, for reports and refusals. */
export function reasonOf(findings: readonly MigrationFinding[]): string {
  const errors = findings.filter((f) => f.severity === 'error');
  return errors
    .map((f) => `${f.code}${f.path.length ? ` at ${f.path.join('.')}` : ''}: ${f.message}`)
    .join('; ');
}
