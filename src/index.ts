/**
 * vmstate: migratable, versioned state for TypeScript, byte-compatible with QEMU's migration
 * stream. Subpath entry points: `vmstate/describe`, `vmstate/codec`, `vmstate/stream`, `vmstate/wire`.
 */
export * from './codec/index.js';
export * from './describe/index.js';
export * from './errors/index.js';
export * from './stream/index.js';
