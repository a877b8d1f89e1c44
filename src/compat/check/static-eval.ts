/**
 * Decides a predicate from the machine type alone, when it can be: the predicate runs on a probe
 * state that throws as soon as it is read. If it returns without reading the state, its answer
 * depends only on the context (the machine type and its properties), so it holds for every state.
 * `needed: (s, ctx) => ctx.props['x'] === true && s.y !== 0` is statically false when `x` is off
 * and depends on the state when it is on.
 */
const STATE_READ = Symbol('state read');

const probe: object = new Proxy(
  {},
  {
    get: () => {
      throw STATE_READ;
    },
    has: () => {
      throw STATE_READ;
    },
    ownKeys: () => {
      throw STATE_READ;
    },
    getOwnPropertyDescriptor: () => {
      throw STATE_READ;
    },
    set: () => {
      throw STATE_READ;
    },
  },
);

/** `true`/`false` when `run` answers without reading the state; `undefined` otherwise. */
export function byMachineAlone(run: (state: never) => unknown): boolean | undefined {
  try {
    const answer = run(probe as never);
    return typeof answer === 'boolean' ? answer : undefined;
  } catch {
    // It read the state (or failed on the probe): the answer depends on more than the machine type.
    return undefined;
  }
}
