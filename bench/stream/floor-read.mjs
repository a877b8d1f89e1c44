// The least work a Node program can do to read a stream: blocking reads and nothing else. Run
// as a separate process by floor.ts, so its figures include Node's own start-up, as the CLI's do.
//   node floor-read.mjs FILE|-          1 MiB reads to the end (`-`: standard input)
//   node floor-read.mjs FILE --headers  one 8-byte positional read every 4104 bytes (a page
//                                       record's header and payload): seeking over the payloads
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const [input, mode] = process.argv.slice(2);
const fd = input === '-' ? openSync('/proc/self/fd/0', 'r') : openSync(input ?? '', 'r');
let total = 0;
if (mode === '--headers') {
  const size = fstatSync(fd).size;
  const header = new Uint8Array(8);
  for (let at = 0; at + 8 <= size; at += 4104) total += readSync(fd, header, 0, 8, at);
} else {
  const buf = new Uint8Array(1 << 20);
  for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) total += n;
}
closeSync(fd);
if (total === 0) process.exitCode = 1;
