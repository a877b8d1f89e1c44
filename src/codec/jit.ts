/**
 * Whether descriptions are compiled to JavaScript with `new Function` (the default, fastest) or
 * run by the interpreter. Both give the same bytes, states and errors. Code generation is
 * skipped when the user asks for it (`configure({ jitless: true })`, as zod's
 * `z.config({ jitless: true })`, for a page or worker under a strict CSP: then nothing is even
 * attempted) or when the runtime refuses it (found by one probe, never retried).
 */

export interface CodecConfig {
  /**
   * Never generate code: every description runs through the interpreter and `new Function` is
   * not even probed. Takes effect for every later `load`/`save`/`initial` (plans are cached per
   * mode, so switching back and forth is cheap).
   */
  jitless?: boolean;
}

let jitless = false;
/** The probe's answer: undefined until the first description compiles with code generation on. */
let generationAllowed: boolean | undefined;

/** Sets process-wide codec options; omitted options keep their current value. */
export function configure(config: CodecConfig): void {
  if (config.jitless !== undefined) jitless = config.jitless;
}

/**
 * Whether descriptions compile without generated code right now: asked for (`jitless`), or the
 * runtime refused `new Function` (EvalError under a CSP or `--disallow-code-generation-from-strings`).
 */
export function isJitless(): boolean {
  if (jitless) return true;
  if (generationAllowed === undefined) {
    try {
      generationAllowed = typeof new Function('return 1') === 'function';
    } catch {
      generationAllowed = false;
    }
  }
  return !generationAllowed;
}

/**
 * `new Function(...params, body)`, or undefined where code generation is refused after all
 * (the caller then interprets). Only called when {@link isJitless} said no.
 */
export function generate(
  params: readonly string[],
  body: string,
): ((...args: unknown[]) => unknown) | undefined {
  try {
    return new Function(...params, body) as (...args: unknown[]) => unknown;
  } catch {
    return undefined;
  }
}
