export { latin1, Reader } from './reader.js';
export { Writer } from './writer.js';
