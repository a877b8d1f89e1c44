import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('README and docs command-line examples', () => {
  it('every `npm run` example whose output is read runs npm silently (-s): its banner is not output', () => {
    for (const doc of docs) {
      for (const line of readFileSync(join(root, doc), 'utf8').split('\n')) {
        // `npm run x …` whose stdout is redirected or piped, or any `npm run vmstate -- …` example.
        const npmRun = /npm run (?!-s )[\w:]+/.exec(line);
        if (npmRun && (/npm run vmstate --/.test(line) || /npm run [^`]*\s[>|]\s/.test(line)))
          expect.fail(`${doc}: "${line.trim()}" needs npm run -s`);
      }
    }
  });

  it("the README's `npm run -s vmstate -- analyze --summary --json F > summary.json` writes valid JSON", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = readme
      .split('\n')
      .find((l) => l.startsWith('npm run -s vmstate -- analyze --summary --json'));
    expect(example).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'vmstate-readme-'));
    try {
      const out = join(dir, 'summary.json');
      const cmd = (example as string).replace('> summary.json', `> '${out}'`);
      execFileSync('sh', ['-c', cmd], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      const summary = JSON.parse(readFileSync(out, 'utf8')) as { sections?: unknown };
      expect(summary).toHaveProperty('sections');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
