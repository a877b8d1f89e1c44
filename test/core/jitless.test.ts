import vm from 'node:vm';
import { build } from 'esbuild';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configure, isJitless, load, save } from '../../src/codec/index.js';
import { field, uint8, varray, vmsd } from '../../src/describe/index.js';
import { runScenario, type ScenarioResult } from './jitless-scenario.js';

afterEach(() => {
  configure({ jitless: false });
  vi.unstubAllGlobals();
});

function jitless<T>(f: () => T): T {
  configure({ jitless: true });
  try {
    return f();
  } finally {
    configure({ jitless: false });
  }
}

describe('jitless codec', () => {
  it('gives the same bytes, states and errors as generated code (property, several seeds)', () => {
    for (const seed of [1, 2, 3]) {
      const compiled = runScenario(seed, 100);
      const interpreted = jitless(() => runScenario(seed, 100));
      expect(compiled.jitless).toBe(false);
      expect(interpreted.jitless).toBe(true);
      expect(interpreted.cases).toStrictEqual(compiled.cases);
    }
  });

  it('never calls new Function, not even to probe, once asked', () => {
    let constructed = 0;
    vi.stubGlobal(
      'Function',
      new Proxy(Function, {
        construct(target, args) {
          constructed++;
          return Reflect.construct(target, args);
        },
      }),
    );
    const d = vmsd('jitless-probe', {
      fields: [field('a', uint8), field('f', varray(uint8, { count: () => 2, max: 2 }))],
    });
    const state = jitless(() => load(d, save(d, { a: 1, f: [2, 3] })));
    expect(state).toStrictEqual({ a: 1, f: [2, 3] });
    expect(constructed).toBe(0);
    expect(isJitless()).toBe(false);
  });

  it('falls back by itself where the runtime refuses code generation (vm context, strings: false)', async () => {
    // The scenario and the whole codec bundled into one script and run in a realm that really
    // refuses `new Function` (EvalError), as a page under a CSP without 'unsafe-eval' does.
    const bundle = await build({
      stdin: {
        contents: "export { runScenario } from './jitless-scenario.ts';",
        resolveDir: new URL('.', import.meta.url).pathname,
        loader: 'ts',
      },
      bundle: true,
      write: false,
      format: 'iife',
      globalName: 'scenario',
      platform: 'node',
      logLevel: 'silent',
    });
    const code = bundle.outputFiles[0]?.text ?? '';
    const context = vm.createContext({ setTimeout, clearTimeout }, { codeGeneration: { strings: false } });
    const refused = vm.runInContext(`${code}; scenario.runScenario(7, 150)`, context) as ScenarioResult;
    expect(refused.codeGenerationRefused).toBe(true);
    expect(refused.jitless).toBe(true);
    const here = runScenario(7, 150);
    expect(here.codeGenerationRefused).toBe(false);
    // Values built in another realm: compared through JSON, which plain() made exact.
    expect(JSON.stringify(refused.cases)).toBe(JSON.stringify(here.cases));
  });
});
