// long-functions.ts: lists functions in src/ longer than a limit (default 80 lines) that do not
// say why in a comment right above them (`// long: <reason>`). Used by test/house/ and by hand:
//   npx tsx scripts/long-functions.ts [--limit N] [dir]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export interface LongFunction {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly lines: number;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.ts$/.test(entry) && !/\.test(-d)?\.ts$/.test(entry)) out.push(path);
  }
  return out;
}

function nameOf(node: ts.Node, sf: ts.SourceFile): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name)
    return node.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(sf);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(sf);
  return '(anonymous)';
}

function hasReason(node: ts.Node, sf: ts.SourceFile): boolean {
  // The reason may stand above the function or above the statement that holds it.
  for (let n: ts.Node | undefined = node; n && n.kind !== ts.SyntaxKind.SourceFile; n = n.parent) {
    const ranges = ts.getLeadingCommentRanges(sf.text, n.getFullStart()) ?? [];
    if (ranges.some((r) => /\blong:\s*\S/.test(sf.text.slice(r.pos, r.end)))) return true;
    if (ts.isBlock(n.parent ?? n) || ts.isSourceFile(n.parent ?? n)) break;
  }
  return false;
}

export function longFunctions(root: string, limit = 80): LongFunction[] {
  const found: LongFunction[] = [];
  for (const file of sourceFiles(root)) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const lines = end - start + 1;
        if (lines > limit && !hasReason(node, sf)) {
          found.push({ file: relative(process.cwd(), file), line: start + 1, name: nameOf(node, sf), lines });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const limitAt = args.indexOf('--limit');
  const limit = limitAt >= 0 ? Number(args.splice(limitAt, 2)[1]) : 80;
  const found = longFunctions(args[0] ?? 'src', limit);
  for (const f of found) console.log(`${f.file}:${f.line} ${f.name} ${f.lines} lines`);
  console.log(`${found.length} function(s) over ${limit} lines without a "long:" reason`);
}
