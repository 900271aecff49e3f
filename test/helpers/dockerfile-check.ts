import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Copy, DockerfileParser } from 'dockerfile-ast';
import type { Instruction } from 'dockerfile-ast';

export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** The Dockerfile's stages, with `${ARG}` in FROM lines resolved from the global ARG defaults. */
export function dockerStages(text: string): Stage[] {
  const file = DockerfileParser.parse(text);
  const args = new Map<string, string>();
  for (const arg of file.getInitialARGs()) {
    const p = arg.getProperty();
    if (p?.getValue() != null) args.set(p.getName(), p.getValue() ?? '');
  }
  const stages: { image: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const ins of file.getInstructions()) {
    if (ins.getKeyword() === 'FROM') {
      const words = ins.getArguments().map((a) => a.getValue());
      const image = (words[0] ?? '').replace(/\$\{?(\w+)\}?/g, (_m, v: string) => args.get(v) ?? `\${${v}}`);
      const asAt = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({ image, name: asAt >= 0 ? words[asAt + 1] : undefined, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return stages;
}

const args = (ins: Instruction): string[] => ins.getArguments().map((a) => a.getValue());
// Flags (--from=, --chown=) are not among the parser's arguments.
const flag = (ins: Instruction, name: string): string | undefined =>
  ins instanceof Copy
    ? (ins
        .getFlags()
        .find((f) => f.getName() === name)
        ?.getValue() ?? undefined)
    : undefined;

/** The `node -e` script of the final stage's HEALTHCHECK (exec form), to run it outside Docker. */
export function healthcheckScript(text: string): string {
  const health = dockerStages(text)
    .at(-1)
    ?.instructions.find((i) => i.getKeyword() === 'HEALTHCHECK');
  const cmd = /CMD\s+(\[.*\])\s*$/s.exec(health?.getArgumentsContent() ?? '')?.[1];
  const argv = cmd === undefined ? [] : (JSON.parse(cmd) as string[]);
  if (argv[0] !== 'node' || argv[1] !== '-e' || argv[2] === undefined) throw new Error(`HEALTHCHECK is not \`node -e SCRIPT\`: ${cmd ?? 'none'}`);
  return argv[2];
}

/**
 * What the image build would trip over, checked without a Docker engine: the stage layout
 * and bases, the runtime user, the health check, the port, and that every file COPY takes
 * from the build context is in the repository and not excluded by .dockerignore.
 * Returns one line per problem (empty: none).
 */
export function dockerfileProblems(text: string, repoRoot: string, dockerignore: string): string[] {
  const problems: string[] = [];
  const stages = dockerStages(text);
  const final = stages.at(-1);
  if (stages.length < 2 || !final) return [`expected a multi-stage build, found ${String(stages.length)} stage(s)`];
  const build = stages[0];
  if (!build || !/^node:20(-bookworm)?$/.test(build.image)) problems.push(`build stage should be the full node:20 (bookworm) image, is ${build?.image ?? '?'}`);
  // onnxruntime-node's binaries need glibc; the build stage's addons were compiled on bookworm.
  if (final.image !== 'node:20-bookworm-slim') problems.push(`runtime base should be node:20-bookworm-slim, is ${final.image}`);

  const users = final.instructions.filter((i) => i.getKeyword() === 'USER').map((i) => args(i)[0] ?? '');
  const user = users.at(-1);
  if (user === undefined || /^(root|0)(:|$)/.test(user)) problems.push(`runtime stage must end as a non-root USER, is ${user ?? 'unset (root)'}`);

  const health = final.instructions.find((i) => i.getKeyword() === 'HEALTHCHECK');
  const healthText = health?.getArgumentsContent() ?? '';
  if (!health || !healthText.includes('/health')) problems.push('runtime stage needs a HEALTHCHECK on /health');
  else if (/\b(curl|wget)\b/.test(healthText)) problems.push('HEALTHCHECK uses curl/wget, which the slim base does not have');
  else if (/(localhost|127\.0\.0\.1):\d+/.test(healthText)) problems.push('HEALTHCHECK hard-codes a port: a server started on another one fails it');

  const exposed = final.instructions.filter((i) => i.getKeyword() === 'EXPOSE').flatMap(args);
  if (!exposed.includes('8000')) problems.push(`runtime stage should EXPOSE 8000, exposes ${exposed.join(',') || 'nothing'}`);

  const env = final.instructions
    .filter((i) => i.getKeyword() === 'ENV')
    .map((i) => i.getArgumentsContent() ?? '')
    .join(' ');
  if (!env.includes('PAIREC_WORKERS')) problems.push('runtime stage should set the sizing env (PAIREC_WORKERS)');

  const ignored = new Set(
    dockerignore
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#')),
  );
  const stageNames = new Set(stages.map((s) => s.name).filter((n) => n !== undefined));
  for (const stage of stages) {
    for (const copy of stage.instructions.filter((i) => i.getKeyword() === 'COPY' || i.getKeyword() === 'ADD')) {
      const from = flag(copy, 'from');
      if (from !== undefined) {
        if (!stageNames.has(from)) problems.push(`COPY --from=${from}: no such stage`);
        continue;
      }
      for (const src of args(copy).slice(0, -1)) {
        if (!existsSync(join(repoRoot, src))) problems.push(`COPY ${src}: not in the repository`);
        if (ignored.has(src.replace(/\/$/, ''))) problems.push(`COPY ${src}: excluded by .dockerignore`);
      }
    }
  }

  const cmd = final.instructions.find((i) => i.getKeyword() === 'CMD')?.getArgumentsContent() ?? '';
  const configArg = /"--config",\s*"([^"]+)"/.exec(cmd)?.[1];
  if (configArg === undefined || !existsSync(join(repoRoot, configArg)))
    problems.push(`CMD should serve a config that ships in the image, has ${configArg ?? 'none'}`);

  const npmrcCopied = build?.instructions.some((i) => i.getKeyword() === 'COPY' && args(i).includes('.npmrc'));
  const npmrc = existsSync(join(repoRoot, '.npmrc')) ? readFileSync(join(repoRoot, '.npmrc'), 'utf8') : '';
  if (!npmrcCopied || !/^onnxruntime-node-install=skip$/m.test(npmrc)) problems.push('build stage must COPY .npmrc with onnxruntime-node-install=skip');
  return problems;
}
