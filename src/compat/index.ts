export * from './check/index.js';
export * from './lab/index.js';
