import { formatPath } from '../../../errors/index.js';
import type { Severity } from '../finding.js';
import type { StreamCheckReport } from './check-stream.js';

export interface StreamTextOptions {
  readonly paint?: (severity: Severity, text: string) => string;
  readonly hideInfo?: boolean;
}

/** `check STREAM DEST` as text: the verdict first, then each reason. */
export function formatStreamCheckText(report: StreamCheckReport, options: StreamTextOptions = {}): string {
  const paint = options.paint ?? ((_s, t) => t);
  const lines: string[] = [];
  const changes = report.changes > 0 ? `, with ${report.changes} change(s)` : '';
  lines.push(`${report.verdict}${report.verdict === 'loads' ? changes : ''}`);
  lines.push(
    `  stream machine type ${report.machine ?? '(none)'}, destination ${report.destinationMachine ?? '(unknown)'}; ` +
      `${report.checked} of ${report.sections} device sections checked against the destination's dump`,
  );
  for (const f of report.findings) {
    if (options.hideInfo && f.severity === 'info') continue;
    lines.push(`  ${paint(f.severity, f.severity.padEnd(7))} ${formatPath(f.path)}`);
    lines.push(`      ${f.message} [${f.code}]`);
    if (f.rule) lines.push(`      QEMU: ${f.rule}${f.offset === undefined ? '' : ` (byte ${f.offset})`}`);
  }
  return `${lines.join('\n')}\n`;
}
