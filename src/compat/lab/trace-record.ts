import type { VersionState } from './versions.js';

/** One step of a workload: the whole state of the running version, and an optional phase label. */
export interface TraceStep {
  readonly state: VersionState;
  readonly phase?: string;
}

/**
 * A workload recorded on one version under one machine type: states in time order. Record it from
 * a running model (see {@link TraceRecorder}) or a fast-check `commands` run.
 */
export interface Trace {
  readonly version: string;
  readonly machine: string;
  readonly steps: readonly TraceStep[];
}

/** Collects a trace: call `step` after every operation of the model; states are copied. */
export class TraceRecorder {
  readonly #steps: TraceStep[] = [];

  constructor(
    readonly version: string,
    readonly machine: string,
  ) {}

  step(state: VersionState, phase?: string): void {
    this.#steps.push({ state: structuredClone(state), ...(phase === undefined ? {} : { phase }) });
  }

  get length(): number {
    return this.#steps.length;
  }

  trace(): Trace {
    return { version: this.version, machine: this.machine, steps: [...this.#steps] };
  }
}
