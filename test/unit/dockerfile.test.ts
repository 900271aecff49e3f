import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerStages, dockerfileProblems, healthcheckScript } from '../helpers/dockerfile-check.js';

// No Docker engine runs on this machine: the image build itself is not exercised here. This
// checks what can be checked statically (docs/operations/deployment.md#docker says so too).
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOCKERFILE = readFileSync(`${ROOT}deploy/docker/Dockerfile`, 'utf8');
const IGNORE = readFileSync(`${ROOT}.dockerignore`, 'utf8');

describe('deploy/docker/Dockerfile (static checks)', () => {
  it('is multi-stage: full node:20 to build, glibc slim to run, as a non-root user with a /health check', () => {
    assert.deepEqual(dockerfileProblems(DOCKERFILE, ROOT, IGNORE), []);
    const stages = dockerStages(DOCKERFILE);
    assert.deepEqual(
      stages.map((s) => s.image),
      ['node:20-bookworm', 'node:20-bookworm-slim'],
    );
  });

  it('documents the sizing contract next to its ENV', () => {
    for (const name of ['PAIREC_WORKERS', 'PAIREC_CPUS', 'PAIREC_MEMORY_LIMIT_BYTES']) assert.match(DOCKERFILE, new RegExp(name));
  });

  it("HEALTHCHECK probes the port the server runs on: --port, else the config's HttpPort, else 8000", async (t) => {
    let status = 200;
    const server = createServer((req, res) => {
      res.statusCode = req.url === '/health' ? status : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'healthcheck-'));
    t.after(() => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const port = (server.address() as AddressInfo).port;
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ListenConf: { HttpPort: port } }));
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ ListenConf: { HttpPort: 1 } }));
    // The script reads PID 1's command line; here it reads a file shaped the same way.
    const probe = (argv: string[]): Promise<number> => {
      const cmdline = join(dir, 'cmdline');
      writeFileSync(cmdline, `${['node', 'dist/src/cli/main.js', ...argv].join('\0')}\0`);
      const script = healthcheckScript(DOCKERFILE).replace('/proc/1/cmdline', cmdline);
      return new Promise((resolve) => {
        execFile(process.execPath, ['-e', script], { cwd: dir, timeout: 20_000 }, (err) =>
          resolve(err === null ? 0 : typeof err.code === 'number' ? err.code : -1),
        );
      });
    };
    assert.equal(await probe(['serve', '--config', 'config.json']), 0, 'port from the config file');
    assert.equal(await probe(['serve', '-c', join(dir, 'other.json'), '--port', String(port)]), 0, '--port wins over the config');
    assert.equal(await probe(['serve', '--config', 'other.json']), 1, "nothing on the config's port: unhealthy");
    status = 503;
    assert.equal(await probe(['serve', '--config', 'config.json']), 1, '/health failing: unhealthy');
  });

  // Each broken variant must be caught, or the check above proves nothing.
  const mutations: [string, (text: string) => string, RegExp][] = [
    ['a single stage', (t) => t.replace(/^FROM node:\$\{NODE_VERSION\}-bookworm AS build$[\s\S]*?(?=^FROM )/m, ''), /multi-stage/],
    ['an Alpine (musl) runtime', (t) => t.replace('-bookworm-slim AS runtime', '-alpine AS runtime'), /runtime base/],
    ['running as root', (t) => t.replace(/^USER node$/m, 'USER root'), /non-root USER/],
    ['no USER at all', (t) => t.replace(/^USER node$/m, ''), /non-root USER/],
    ['a health check on another path', (t) => t.replace("/health'", "/'"), /HEALTHCHECK on \/health/],
    ['a health check with curl', (t) => t.replace(/CMD \["node", "-e", [^\n]+/, 'CMD curl -f http://127.0.0.1:$PORT/health'), /curl/],
    [
      'a health check on a fixed port',
      (t) => t.replace("'http://127.0.0.1:' + String(port ?? 8000) + '/health'", "'http://127.0.0.1:8000/health'"),
      /hard-codes a port/,
    ],
    ['a COPY of a file that does not exist', (t) => t.replace('COPY protos ./protos', 'COPY proto ./protos'), /COPY proto: not in the repository/],
    ['a COPY from an unknown stage', (t) => t.replace('--from=build /app/dist/src', '--from=builder /app/dist/src'), /no such stage/],
    ['a COPY of something .dockerignore excludes', (t) => t.replace('COPY src ./src', 'COPY bench ./bench'), /excluded by .dockerignore/],
    ['no EXPOSE', (t) => t.replace(/^EXPOSE 8000$/m, ''), /EXPOSE 8000/],
    ['no .npmrc in the build', (t) => t.replace(' .npmrc ./', ' ./'), /\.npmrc/],
  ];
  for (const [what, mutate, expected] of mutations) {
    it(`rejects ${what}`, () => {
      const broken = mutate(DOCKERFILE);
      assert.notEqual(broken, DOCKERFILE, 'the mutation applied');
      const problems = dockerfileProblems(broken, ROOT, IGNORE);
      assert.ok(
        problems.some((p) => expected.test(p)),
        `problems: ${JSON.stringify(problems)}`,
      );
    });
  }
});
