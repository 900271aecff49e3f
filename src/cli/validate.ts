import { createDefaultRegistry } from '../algorithm/builtins.js';
import { checkConfigFile } from '../engine/config-check.js';
import type { CheckProblem, ConfigReport } from '../engine/config-check.js';
import type { CommandRun } from './command.js';
import type { VALIDATE_OPTIONS } from './commands.js';
import { intOption } from './int-option.js';

/** A problem's line: its code, then the message (which starts with the JSON path when it has one). */
const problemLine = (p: CheckProblem): string => `  ${p.code} ${p.path === undefined || p.message.startsWith(p.path) ? p.message : `${p.path}: ${p.message}`}`;

/** The report for people: problems, then warnings apart, then backends, then the verdict (as `nginx -t` ends). */
export function formatReport(r: ConfigReport): string {
  const out: string[] = [];
  if (r.problems.length > 0) out.push(`problems (${r.problems.length}):`, ...r.problems.map(problemLine));
  if (r.warnings.length > 0)
    out.push(`warnings (${r.warnings.length}):`, ...r.warnings.map((w) => `  [${w.kind}] ${w.path === undefined ? '' : `${w.path}: `}${w.message}`));
  if (r.backends) {
    out.push(`backends (${r.backends.length}):`);
    for (const b of r.backends) out.push(`  ${b.ok ? 'ok  ' : 'DOWN'} ${b.kind} "${b.name}" ${b.target} (${b.path}): ${b.detail}, ${b.ms} ms`);
  }
  if (r.read.length > 0) out.push(`read: ${r.read.join(', ')}`);
  const down = (r.backends ?? []).filter((b) => !b.ok).length;
  const why = [
    r.problems.length > 0 ? `${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}` : '',
    down > 0 ? `${down} backend${down === 1 ? '' : 's'} down` : '',
  ].filter((s) => s !== '');
  out.push(
    r.valid
      ? `config ${r.file} is valid${r.warnings.length > 0 ? ` (${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'})` : ''}`
      : `config ${r.file} is NOT valid: ${why.join(', ')}`,
  );
  return `${out.join('\n')}\n`;
}

/** `pairec validate` (options and help in cli/commands.ts): exit 0 valid, 1 not. */
export const runValidate: CommandRun<typeof VALIDATE_OPTIONS> = async (values) => {
  const timeoutMs = intOption('timeout', values.timeout, 1, 600_000);
  const report = await checkConfigFile(values.config, { registry: createDefaultRegistry(), connect: values.connect, timeoutMs });
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  return report.valid ? 0 : 1;
};
