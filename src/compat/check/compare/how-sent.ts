import type { Severity } from '../finding.js';
import type { Sending } from '../model.js';
import { quotedNames } from './kind.js';
import type { Gate } from './walk.js';

/** How often a subsection (or section) is sent, and so how often an unknown one fails the load. */
export interface HowSent {
  readonly severity: Severity;
  /** Completes "the load fails whenever it is sent: …". */
  readonly clause: string;
  /** Applies to findings inside it. */
  readonly gate: Gate | undefined;
  readonly details: Record<string, unknown>;
}

function neverText(machines: readonly string[]): string {
  if (machines.length === 0) return '';
  return machines.length === 1
    ? `; machine type ${machines[0]} never sends it`
    : `; machine types ${machines.join(', ')} never send it`;
}

/**
 * The gate alone (what howSent(...).gate is), without the details and clause: sections ask only
 * this, once per section and direction.
 */
export function sendGate(what: string, it: Sending, machine: string | undefined): Gate | undefined {
  if (it.neededUnderMachine === false) {
    const under = machine === undefined ? '' : ` under machine type ${machine}`;
    return { text: `${what} is sent, which it never is${under}`, cap: 'info' };
  }
  if (it.sent === 'always' || it.neededUnderMachine === true) return undefined;
  return it.sent === 'when-needed' ? { text: `${what} is sent`, cap: 'warning' } : undefined;
}

export function howSent(what: string, it: Sending, machine: string | undefined): HowSent {
  const deps = it.dependsOn;
  const byMachine = it.neededByMachine ?? {};
  const never = Object.keys(byMachine).filter((m) => byMachine[m] === false);
  const details = {
    sent: it.sent,
    ...(deps.length > 0 ? { dependsOn: [...deps] } : {}),
    ...(machine === undefined ? {} : { machine }),
    ...(it.neededUnderMachine === undefined ? {} : { neededUnderMachine: it.neededUnderMachine }),
    ...(never.length > 0 ? { neverSentUnder: never } : {}),
  };
  const under = machine === undefined ? '' : ` under machine type ${machine}`;
  if (it.neededUnderMachine === false) {
    return {
      severity: 'info',
      clause: `it is never sent${under} (its needed predicate is false there in every state), so this never fails there`,
      gate: sendGate(what, it, machine),
      details,
    };
  }
  if (it.sent === 'always') {
    return {
      severity: 'error',
      clause: 'it has no needed predicate and is sent every time: fails always',
      gate: undefined,
      details,
    };
  }
  if (it.neededUnderMachine === true) {
    return {
      severity: 'error',
      clause: `its needed predicate is true in every state${under}: fails always there${neverText(never)}`,
      gate: undefined,
      details,
    };
  }
  if (it.sent === 'when-needed') {
    const gate = sendGate(what, it, machine);
    if (deps.length === 0) {
      return {
        severity: 'warning',
        clause:
          'its needed predicate depends on the state, not on the machine type: fails only in states that need it',
        gate,
        details,
      };
    }
    const safe = neverText(never);
    return {
      severity: 'warning',
      clause:
        `its needed predicate is tied to machine-type ${deps.length === 1 ? 'property' : 'properties'} ` +
        `${quotedNames(deps)}: fails only when ${deps.length === 1 ? 'that property lets' : 'those properties let'} ` +
        `it be sent and the state needs it${safe}`,
      gate,
      details,
    };
  }
  return {
    severity: 'error',
    clause: 'the input does not say when that is (QEMU dumps omit needed predicates), so count on it failing',
    gate: undefined,
    details,
  };
}
