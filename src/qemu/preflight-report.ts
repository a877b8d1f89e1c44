/** Text and JSON for pre-flight and guarded-migration results (the CLI prints these). */
import { formatPath } from '../errors/index.js';
import type { GuardedMigrationResult, MigrationProgress } from './guarded-migrate.js';
import type { PreflightResult } from './preflight.js';
import type { WaitSafeResult } from './preflight-wait.js';

const ms = (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(0)} ms`;
const mib = (n: number) => `${(n / 2 ** 20).toFixed(n < 2 ** 24 ? 1 : 0)} MiB`;

/** One line per reason. */
export function reasonsText(result: PreflightResult): string[] {
  return result.findings.map((f) => `  ${formatPath(f.path)}: ${f.message}`);
}

export function preflightText(result: PreflightResult, destination: string): string {
  const head =
    result.verdict === 'loads'
      ? `loads: ${destination} would load this VM's device state (${result.machine})`
      : `refused: ${destination} would refuse this VM's device state (${result.machine})`;
  return [
    head,
    ...reasonsText(result),
    `guest paused ≤ ${ms(result.pauseMs)} (${result.bytes} bytes of device state, no RAM); ` +
      `VM ${result.after.status}; pre-flight took ${ms(result.elapsedMs)}`,
    '',
  ].join('\n');
}

export function preflightJson(result: PreflightResult): Record<string, unknown> {
  return {
    verdict: result.verdict,
    findings: result.findings,
    machine: result.machine,
    bytes: result.bytes,
    pauseMs: result.pauseMs,
    elapsedMs: result.elapsedMs,
    runstateBefore: result.before.status,
    runstateAfter: result.after.status,
  };
}

export function waitSafeText(wait: WaitSafeResult, destination: string): string {
  const p = wait.pauses;
  const gaveUp = wait.final.verdict === 'refused' ? ' — gave up; the last reasons:' : '';
  return [
    `${wait.attempts} asks over ${ms(wait.waitedMs)}; pauses median ${ms(p.medianMs)}, ` +
      `p99 ${ms(p.p99Ms)}, max ${ms(p.maxMs)}${gaveUp}`,
    preflightText(wait.final, destination),
  ].join('\n');
}

export function waitSafeJson(wait: WaitSafeResult): Record<string, unknown> {
  return {
    ...preflightJson(wait.final),
    attempts: wait.attempts,
    waitedMs: wait.waitedMs,
    pauses: wait.pauses,
  };
}

export function progressText(p: MigrationProgress): string {
  return (
    `${p.status}: ${mib(p.transferred)} sent, ${mib(p.remaining)} of ${mib(p.total)} RAM remaining, ` +
    `${p.mbps.toFixed(0)} Mbit/s`
  );
}

const OUTCOME_TEXT: Record<GuardedMigrationResult['outcome'], string> = {
  'refused-before-start':
    'refused before start: the destination would refuse the device state; nothing was sent',
  'refused-at-switchover':
    'refused at switch-over: the final device state would be refused; migration cancelled before any device state was sent',
  completed: 'completed (as QEMU reports it)',
  failed: 'failed (as QEMU reports it)',
  cancelled: 'cancelled',
};

export function guardedText(result: GuardedMigrationResult, destination: string): string {
  const lines = [OUTCOME_TEXT[result.outcome]];
  const decisive = result.atSwitchover ?? result.preflight;
  if (decisive !== undefined && decisive.verdict === 'refused') lines.push(...reasonsText(decisive));
  const m = result.migration;
  if (m?.['error-desc'] !== undefined) lines.push(`QEMU: ${m['error-desc']}`);
  const ram = m?.ram ?? (result.progress === undefined ? undefined : result.progress);
  if (ram !== undefined) lines.push(`RAM sent: ${mib(ram.transferred)} of ${mib(ram.total)}`);
  if (m?.downtime !== undefined) lines.push(`downtime: ${m.downtime} ms (QEMU)`);
  if (result.guardMs !== undefined) lines.push(`guard held the switch-over ${ms(result.guardMs)}`);
  lines.push(`destination description: ${destination}; source VM ${result.source.status}`, '');
  return lines.join('\n');
}

export function guardedJson(result: GuardedMigrationResult): Record<string, unknown> {
  return {
    outcome: result.outcome,
    ...(result.preflight === undefined ? {} : { preflight: preflightJson(result.preflight) }),
    ...(result.atSwitchover === undefined ? {} : { atSwitchover: preflightJson(result.atSwitchover) }),
    ...(result.migration === undefined ? {} : { migration: result.migration }),
    ...(result.progress === undefined ? {} : { progress: result.progress }),
    source: result.source,
    ...(result.guardMs === undefined ? {} : { guardMs: result.guardMs }),
  };
}
