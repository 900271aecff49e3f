import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { page, table } from './markdown.js';

export interface MetricRow {
  readonly name: string;
  readonly type: string;
  readonly labels: readonly string[];
  readonly help: string;
  readonly file: string;
}

const TYPES: Record<string, string> = {
  Counter: 'counter',
  Gauge: 'gauge',
  Histogram: 'histogram',
  Summary: 'summary',
  BoundHistogram: 'histogram',
  UntypedCounter: 'untyped',
};

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

/** The string constants of a file (`const X = 'x'`, `const L = ['a', 'b'] as const`) and the names it imports, by local name. */
interface FileScope {
  readonly source: ts.SourceFile;
  readonly constants: Map<string, ts.Expression>;
  readonly imports: Map<string, { from: string; name: string }>;
}

function scopeOf(file: string, text: string): FileScope {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const constants = new Map<string, ts.Expression>();
  const imports = new Map<string, { from: string; name: string }>();
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name) && d.initializer) constants.set(d.name.text, d.initializer);
    } else if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier) && statement.moduleSpecifier.text.startsWith('.')) {
      const from = resolve(dirname(file), statement.moduleSpecifier.text.replace(/\.js$/, '.ts'));
      const named = statement.importClause?.namedBindings;
      if (named && ts.isNamedImports(named)) for (const e of named.elements) imports.set(e.name.text, { from, name: (e.propertyName ?? e.name).text });
    }
  }
  return { source, constants, imports };
}

/**
 * Every metric the engine's source defines: each `new Counter|Gauge|Histogram|Summary|
 * BoundHistogram|UntypedCounter({ name, help, labelNames })` under src/, parsed with the TypeScript parser
 * (names held in constants, here or imported, are followed to their literal), sorted by name.
 * prom-client's default process/Node.js metrics are not defined here and not listed.
 */
export function metricRows(root: string): MetricRow[] {
  const scopes = new Map(sourceFiles(join(root, 'src')).map((f) => [f, scopeOf(f, readFileSync(f, 'utf8'))]));
  const value = (node: ts.Expression, scope: FileScope, depth = 0): ts.Expression | undefined => {
    let e: ts.Expression = node;
    while (ts.isAsExpression(e) || ts.isParenthesizedExpression(e) || ts.isSatisfiesExpression(e)) e = e.expression;
    if (!ts.isIdentifier(e) || depth > 4) return e;
    const local = scope.constants.get(e.text);
    if (local) return value(local, scope, depth + 1);
    const imported = scope.imports.get(e.text);
    const other = imported && scopes.get(imported.from);
    const init = other && imported ? other.constants.get(imported.name) : undefined;
    return init && other ? value(init, other, depth + 1) : undefined;
  };
  const text = (node: ts.Expression, scope: FileScope): string | undefined => {
    const v = value(node, scope);
    return v && ts.isStringLiteralLike(v) ? v.text : undefined;
  };
  const rows: MetricRow[] = [];
  for (const [file, scope] of scopes) {
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && TYPES[node.expression.text] !== undefined) {
        const arg = node.arguments?.[0];
        if (arg && ts.isObjectLiteralExpression(arg)) {
          const prop = (key: string): ts.Expression | undefined => {
            const p = arg.properties.find((q) => ts.isPropertyAssignment(q) && q.name.getText(scope.source) === key);
            return p && ts.isPropertyAssignment(p) ? p.initializer : undefined;
          };
          const nameNode = prop('name');
          const name = nameNode && text(nameNode, scope);
          if (nameNode && name === undefined)
            throw new Error(`${relative(root, file)}: a metric name that is not a constant: ${nameNode.getText(scope.source)}`);
          if (name !== undefined) {
            const help = prop('help');
            const labelsNode = prop('labelNames');
            const list = labelsNode && value(labelsNode, scope);
            if (labelsNode && (!list || !ts.isArrayLiteralExpression(list)))
              throw new Error(`${relative(root, file)}: ${name}: labelNames is not a literal list`);
            const labels = list && ts.isArrayLiteralExpression(list) ? list.elements.map((e) => text(e, scope) ?? `?${e.getText(scope.source)}`) : [];
            rows.push({ name, type: TYPES[node.expression.text] ?? '?', labels, help: (help && text(help, scope)) ?? '', file: relative(root, file) });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(scope.source);
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name) || a.file.localeCompare(b.file));
}

export function metricsReference(root: string): string {
  const rows = metricRows(root).map((m) => [`\`${m.name}\``, m.type, m.labels.map((l) => `\`${l}\``).join(', '), m.help, `\`${m.file}\``]);
  return page(
    'Metrics',
    'the metric definitions under `src/` (`new Counter|Gauge|Histogram|…({ name, help, labelNames })`)',
    `Label values and how to read each metric: [monitoring.md](../operations/monitoring.md#metrics-reference). prom-client's default process and Node.js metrics (\`pairec_process_*\`, \`pairec_nodejs_*\`) are listed there too.\n\n${table(['name', 'type', 'labels', 'help', 'defined in'], rows)}`,
  );
}
