/**
 * Self time per function in a V8 .cpuprofile (node --cpu-prof), the top entries first.
 *
 *   npx tsx bench/codec/profile-summary.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const [file, top = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
};
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const n = byId.get(id);
  if (!n) return;
  const dt = profile.timeDeltas[i] ?? 0;
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url ? `${url.replace(/^.*\/main\//, '')}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + dt);
  total += dt;
});
const sorted = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(top));
for (const [k, t] of sorted) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
