/**
 * `vmstate/compat`: the static checker and the lab's versions, routes and preflight. Loads no
 * fast-check: the property-testing lab is `vmstate/lab` (src/compat/lab/index.ts).
 */

export { importUserModule, ModuleLoadError, type ModuleLoadFailure } from './base/load-module.js';
export * from './check/index.js';
export * from './lab/core.js';
