import { posix } from 'node:path';
import { Copy } from 'dockerfile-ast';
import { dockerStages } from './dockerfile-check.js';

const SUFFIX: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** A Kubernetes resource quantity ("2", "500m", "2Gi") as a number (cores or bytes). */
export function quantity(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(text.trim());
  const factor = SUFFIX[m?.[2] ?? ''];
  if (!m || factor === undefined) throw new Error(`not a quantity: ${text}`);
  return Number(m[1]) * factor;
}

/** The host names of every `server host[:port]` line inside nginx `upstream` blocks. */
export function nginxUpstreamHosts(conf: string): string[] {
  const hosts: string[] = [];
  for (const block of conf.matchAll(/upstream\s+\S+\s*\{([^}]*)\}/g)) {
    for (const line of (block[1] ?? '').split('\n')) {
      const server = /^\s*server\s+([^\s:;]+)/.exec(line.replace(/#.*/, ''));
      if (server?.[1] !== undefined) hosts.push(server[1]);
    }
  }
  return hosts;
}

export interface BakedCache {
  /** The runtime folder holding the cache the build stage generated. */
  readonly bakedDir: string;
  /** A config's CacheDir as the server in the image resolves it (relative to WORKDIR). */
  readonly resolve: (cacheDir: string) => string;
}

const workdir = (stage: ReturnType<typeof dockerStages>[number]): string =>
  stage.instructions.filter((i) => i.getKeyword() === 'WORKDIR').reduce((dir, i) => posix.resolve(dir, i.getArguments()[0]?.getValue() ?? '.'), '/');

/**
 * Where the image bakes its demo cache: the build stage runs `gen-demo --config FILE`,
 * which writes under FILE's CacheDir (relative to the build WORKDIR), and the runtime stage
 * copies that folder with `COPY --from=<build>`.
 */
export function bakedCacheDir(dockerfile: string, readJson: (repoPath: string) => unknown): BakedCache {
  const stages = dockerStages(dockerfile);
  const build = stages.find((s) => s.instructions.some((i) => i.getKeyword() === 'RUN' && /gen-demo/.test(i.getArgumentsContent() ?? '')));
  const runtime = stages.at(-1);
  if (!build || !runtime) throw new Error('no stage runs gen-demo');
  const run = build.instructions.find((i) => i.getKeyword() === 'RUN' && /gen-demo/.test(i.getArgumentsContent() ?? ''));
  const configPath = /gen-demo\s+--config\s+([^\s;&]+)/.exec(run?.getArgumentsContent() ?? '')?.[1];
  if (configPath === undefined) throw new Error('gen-demo runs without --config');
  const conf = readJson(configPath) as { CatalogConf?: { CacheDir?: string } };
  const buildDir = workdir(build);
  const generated = posix.resolve(buildDir, conf.CatalogConf?.CacheDir ?? '.cache');
  const runtimeDir = workdir(runtime);
  for (const copy of runtime.instructions) {
    if (
      !(copy instanceof Copy) ||
      copy
        .getFlags()
        .find((f) => f.getName() === 'from')
        ?.getValue() !== build.name
    )
      continue;
    const [src, dest] = copy.getArguments().map((a) => a.getValue());
    if (src !== undefined && dest !== undefined && posix.resolve(buildDir, src) === generated) {
      return { bakedDir: posix.resolve(runtimeDir, dest), resolve: (cacheDir) => posix.resolve(runtimeDir, cacheDir) };
    }
  }
  throw new Error(`the runtime stage does not copy ${generated} from ${String(build.name)}`);
}
