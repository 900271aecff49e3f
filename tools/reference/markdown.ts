/** One markdown table cell: pipes escaped, newlines folded, so any text stays in its column. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** A markdown table from a header and rows. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

/** A generated page: a title, a line saying where it comes from and how to refresh it, the body. */
export function page(title: string, source: string, body: string): string {
  return `# ${title}\n\nGenerated from ${source} by \`node dist/tools/gen-reference.js\`; do not edit by hand.\n\`test/unit/reference-docs.test.ts\` fails when this page differs from what the code generates.\n\n${body}\n`;
}
