/**
 * vmstate: migratable, versioned state for TypeScript, byte-compatible with QEMU's migration
 * stream. Subpath entry points: `vmstate/describe`, `vmstate/codec`, `vmstate/stream`, `vmstate/wire`,
 * `vmstate/errors`, and `vmstate/compat` (checker and lab; kept out of the root entry because it
 * pulls in fast-check and the charting library).
 */
export * from './codec/index.js';
export * from './describe/index.js';
export * from './errors/index.js';
export * from './stream/index.js';
