export { be16, be32, be64, latin1At } from './be.js';
export { latin1, Reader } from './reader.js';
export { Writer } from './writer.js';
