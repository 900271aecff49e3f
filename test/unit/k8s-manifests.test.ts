import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/validate.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { catalogSignature } from '../../src/catalog/load.js';
import { planSizing, plannedRssBytes } from '../../src/sizing/sizing.js';
import { STOP_TIMEOUT_MS } from '../../src/server/cluster/primary.js';
import { manifestProblems, readManifests } from '../helpers/k8s-validate.js';
import type { Manifest } from '../helpers/k8s-validate.js';
import { bakedCacheDir, nginxUpstreamHosts, quantity } from '../helpers/deploy-facts.js';

const DIR = fileURLToPath(new URL('../../../deploy/k8s/', import.meta.url));
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .sort();
const ALL = FILES.flatMap((f) => readManifests(`${DIR}${f}`).map((doc) => ({ file: f, doc })));
/** The engine's manifest of a kind (named `pairec`; redis.yaml adds its own Deployment and Service). */
const byKind = (kind: string, name = kind === 'ConfigMap' ? 'pairec-config' : 'pairec'): Manifest => {
  const found = ALL.find((m) => m.doc.kind === kind && at(m.doc, 'metadata', 'name') === name);
  assert.ok(found, `no ${kind} ${name} in deploy/k8s`);
  return found.doc;
};
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A value at a path of keys and indexes; undefined where the path breaks. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}
const list = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : []);
/** Sets a value at a path in a copy of `doc`, for the broken-manifest checks. */
function mutated(doc: Manifest, path: (string | number)[], value: unknown): Manifest {
  const copy = structuredClone(doc);
  const parent = at(copy, ...path.slice(0, -1)) as Record<string | number, unknown>;
  const key = path.at(-1) as string | number;
  if (value === undefined) delete parent[key];
  else parent[key] = value;
  return copy;
}

const deployment = byKind('Deployment');
const container = at(deployment, 'spec', 'template', 'spec', 'containers', 0);
const env = (name: string): unknown => list(at(container, 'env')).find((e) => at(e, 'name') === name);

describe('deploy/k8s manifests', () => {
  it('each validates against the Kubernetes schema of its kind', () => {
    assert.deepEqual(ALL.map((m) => m.doc.kind).sort(), [
      'ConfigMap',
      'Deployment',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Service',
      'Service',
    ]);
    for (const { file, doc } of ALL) assert.deepEqual(manifestProblems(doc), [], file);
  });

  it('kustomization.yaml lists every manifest', () => {
    const [kustomization] = readManifests(`${DIR}kustomization.yaml`);
    assert.deepEqual(list(at(kustomization, 'resources')).map(String).sort(), FILES);
  });

  // The validator must reject broken manifests, or the check above proves nothing.
  const broken: [string, Manifest, RegExp][] = [
    ['replicas as a word', mutated(deployment, ['spec', 'replicas'], 'three'), /replicas must be integer/],
    ['a container without a name', mutated(deployment, ['spec', 'template', 'spec', 'containers', 0, 'name'], undefined), /required property name/],
    ['no pod template', mutated(deployment, ['spec', 'template'], undefined), /required property template/],
    [
      'a resourceFieldRef without its resource',
      mutated(deployment, ['spec', 'template', 'spec', 'containers', 0, 'env', 1, 'valueFrom', 'resourceFieldRef', 'resource'], undefined),
      /required property resource/,
    ],
    [
      'a probe port that is neither number nor name',
      mutated(deployment, ['spec', 'template', 'spec', 'containers', 0, 'livenessProbe', 'httpGet', 'port'], { n: 8000 }),
      /httpGet\/port must/,
    ],
    ['an HPA without maxReplicas', mutated(byKind('HorizontalPodAutoscaler'), ['spec', 'maxReplicas'], undefined), /required property maxReplicas/],
    [
      'an HPA metric with a string utilisation',
      mutated(byKind('HorizontalPodAutoscaler'), ['spec', 'metrics', 0, 'resource', 'target', 'averageUtilization'], '70%'),
      /averageUtilization/,
    ],
    ['a Service port as text', mutated(byKind('Service'), ['spec', 'ports', 0, 'port'], 'eighty'), /port/],
    ['a ConfigMap value that is not a string', mutated(byKind('ConfigMap'), ['data', 'config.json'], { nested: true }), /config\.json|string/],
    ['an unknown kind', { ...deployment, kind: 'Deploymnet' }, /no schema/],
  ];
  for (const [what, doc, expected] of broken) {
    it(`rejects ${what}`, () => {
      const problems = manifestProblems(doc);
      assert.ok(
        problems.some((p) => expected.test(p)),
        `problems: ${JSON.stringify(problems)}`,
      );
    });
  }

  it('Deployment: requests and limits, sizing env from the limits, probes on /health and /ready', () => {
    for (const kind of ['requests', 'limits']) {
      for (const r of ['cpu', 'memory']) assert.ok(at(container, 'resources', kind, r), `resources.${kind}.${r}`);
    }
    assert.deepEqual(at(env('PAIREC_CPUS'), 'valueFrom', 'resourceFieldRef'), { containerName: 'pairec', resource: 'limits.cpu', divisor: '1' });
    assert.equal(at(env('PAIREC_MEMORY_LIMIT_BYTES'), 'valueFrom', 'resourceFieldRef', 'resource'), 'limits.memory');
    assert.equal(at(env('PAIREC_WORKERS'), 'value'), 'auto');
    assert.equal(at(container, 'livenessProbe', 'httpGet', 'path'), '/health');
    assert.equal(at(container, 'readinessProbe', 'httpGet', 'path'), '/ready');
    assert.equal(at(container, 'startupProbe', 'httpGet', 'path'), '/ready');
    assert.equal(at(deployment, 'spec', 'template', 'spec', 'securityContext', 'runAsNonRoot'), true);
    const port = at(container, 'ports', 0);
    // Prometheus scrapes the port the container serves on.
    assert.equal(Number(at(deployment, 'spec', 'template', 'metadata', 'annotations', 'prometheus.io/port')), at(port, 'containerPort'));
    // The Service and the probes reach the container by its port's name.
    assert.equal(at(byKind('Service'), 'spec', 'ports', 0, 'targetPort'), at(port, 'name'));
    assert.equal(at(container, 'livenessProbe', 'httpGet', 'port'), at(port, 'name'));
  });

  it('Service, HPA and PDB select and target this Deployment', () => {
    const labels = at(deployment, 'spec', 'template', 'metadata', 'labels');
    assert.deepEqual(at(byKind('Service'), 'spec', 'selector'), labels);
    assert.deepEqual(at(byKind('PodDisruptionBudget'), 'spec', 'selector', 'matchLabels'), labels);
    const hpa = byKind('HorizontalPodAutoscaler');
    assert.deepEqual(at(hpa, 'spec', 'scaleTargetRef'), { apiVersion: 'apps/v1', kind: 'Deployment', name: at(deployment, 'metadata', 'name') });
    // The Deployment's starting count lies in the HPA's range; the PDB (one pod at a time)
    // still leaves a serving pod at the HPA's minimum.
    const min = Number(at(hpa, 'spec', 'minReplicas'));
    const max = Number(at(hpa, 'spec', 'maxReplicas'));
    const replicas = Number(at(deployment, 'spec', 'replicas'));
    assert.ok(min <= replicas && replicas <= max, `replicas ${String(replicas)} outside the HPA's ${String(min)}..${String(max)}`);
    assert.ok(min - Number(at(byKind('PodDisruptionBudget'), 'spec', 'maxUnavailable')) >= 1);
  });

  it("the memory the engine plans for a pod's limits stays below the HPA's memory target", () => {
    const config = parseConfig(JSON.parse(at(byKind('ConfigMap'), 'data', 'config.json') as string), builtinVocabulary(createDefaultRegistry()));
    const limitBytes = quantity(String(at(container, 'resources', 'limits', 'memory')));
    const cpus = quantity(String(at(container, 'resources', 'limits', 'cpu')));
    // What `pairec serve` plans from the env the Deployment gives it (resourceFieldRef of the limits).
    const plan = planSizing(
      { workers: String(at(env('PAIREC_WORKERS'), 'value')), cpus: String(Math.ceil(cpus)), memoryLimitBytes: String(limitBytes) },
      config.performance.gc_percent,
      {
        cpus: () => undefined,
        memory: () => undefined,
        machineCpus: 64,
      },
    );
    const rss = plannedRssBytes(plan);
    assert.ok(rss !== undefined && plan.heapMb !== undefined);
    // The plan counts the serving processes' old space and young generation, and more (the primary, native memory).
    assert.ok(rss > plan.workers * (plan.heapMb + 2 * plan.semiSpaceMb) * 2 ** 20);
    const memoryTarget = list(at(byKind('HorizontalPodAutoscaler'), 'spec', 'metrics')).find((m) => at(m, 'resource', 'name') === 'memory');
    const targetBytes =
      (Number(at(memoryTarget, 'resource', 'target', 'averageUtilization')) / 100) * quantity(String(at(container, 'resources', 'requests', 'memory')));
    assert.ok(
      rss < targetBytes,
      `planned RSS ${String(Math.round(rss / 2 ** 20))} MiB ≥ HPA memory target ${String(Math.round(targetBytes / 2 ** 20))} MiB: the HPA would scale out on idle pods`,
    );
    assert.ok(rss < limitBytes);
  });

  it('the ConfigMap carries a config the engine accepts, mounted where the container reads it', () => {
    const text = at(byKind('ConfigMap'), 'data', 'config.json');
    assert.equal(typeof text, 'string');
    const config = parseConfig(JSON.parse(text as string), builtinVocabulary(createDefaultRegistry()));
    assert.equal(config.ListenConf.HttpPort, at(container, 'ports', 0, 'containerPort'));
    const volume = list(at(deployment, 'spec', 'template', 'spec', 'volumes')).find(
      (v) => at(v, 'configMap', 'name') === at(byKind('ConfigMap'), 'metadata', 'name'),
    );
    const mount = list(at(container, 'volumeMounts')).find((m) => at(m, 'name') === at(volume, 'name'));
    const args = list(at(container, 'args')).map(String);
    assert.equal(args[args.indexOf('--config') + 1], `${String(at(mount, 'mountPath'))}/config.json`);
  });

  it('the ConfigMap serves the catalog and indexes the image pre-builds (examples/default.json), so pods start from that cache', () => {
    const mapped = JSON.parse(at(byKind('ConfigMap'), 'data', 'config.json') as string) as Record<string, unknown>;
    const baked = JSON.parse(readFileSync(fileURLToPath(new URL('../../../examples/default.json', import.meta.url)), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(at(mapped, 'CatalogConf', 'Demo'), at(baked, 'CatalogConf', 'Demo'));
    assert.deepEqual(at(mapped, 'AlgoConfs'), at(baked, 'AlgoConfs'));
    const vocabulary = builtinVocabulary(createDefaultRegistry());
    const mappedConf = parseConfig(mapped, vocabulary).CatalogConf;
    assert.ok(mappedConf);
    const bakedConf = parseConfig(baked, vocabulary).CatalogConf;
    assert.equal(catalogSignature(mappedConf), catalogSignature(bakedConf));
    // The folder a pod reads (CacheDir from the runtime WORKDIR) is the one the image copied
    // the build's cache into.
    const image = bakedCacheDir(
      readFileSync(`${ROOT}deploy/docker/Dockerfile`, 'utf8'),
      (path) => JSON.parse(readFileSync(`${ROOT}${path}`, 'utf8')) as unknown,
    );
    assert.equal(image.resolve(mappedConf.CacheDir), image.bakedDir);
  });

  it('exposure filters share one store across replicas: Redis, on a Service deploy/k8s creates', () => {
    const config = parseConfig(JSON.parse(at(byKind('ConfigMap'), 'data', 'config.json') as string), builtinVocabulary(createDefaultRegistry()));
    assert.ok(Number(at(byKind('HorizontalPodAutoscaler'), 'spec', 'maxReplicas')) > 1, 'several replicas is why the store must be shared');
    const used = Object.values(config.FilterNames).flat();
    const exposure = used.flatMap((name) => {
      const conf = config.FilterConfs.find((f) => f.Name === name);
      return (conf?.FilterType ?? name) === 'User2ItemExposureFilter' ? [{ name, conf }] : [];
    });
    assert.ok(exposure.length > 0, 'the ConfigMap filters exposures');
    for (const { name, conf } of exposure) {
      assert.equal(conf?.DaoConf?.AdapterType, 'redis', `${name} keeps exposures in each pod's memory`);
      const redis = config.RedisConfs[conf.DaoConf.RedisName ?? ''];
      assert.ok(redis, `${name}: RedisName ${String(conf.DaoConf.RedisName)} is not in RedisConfs`);
      const service = ALL.find((m) => m.doc.kind === 'Service' && at(m.doc, 'metadata', 'name') === redis.Host.split('.')[0]);
      assert.ok(service, `${name}: Redis host ${redis.Host} is no Service in deploy/k8s`);
      assert.ok(
        list(at(service.doc, 'spec', 'ports')).some((p) => at(p, 'port') === redis.Port),
        `${name}: port ${String(redis.Port)} not on Service ${redis.Host}`,
      );
      // ... and the Service selects pods some Deployment runs.
      const selector = at(service.doc, 'spec', 'selector');
      assert.ok(
        ALL.some((m) => m.doc.kind === 'Deployment' && JSON.stringify(at(m.doc, 'spec', 'template', 'metadata', 'labels')) === JSON.stringify(selector)),
      );
    }
  });

  it('nginx.conf either balances over Services deploy/k8s creates or is for bare hosts, and deploy/k8s does not put it in front', () => {
    const hosts = nginxUpstreamHosts(readFileSync(`${ROOT}deploy/nginx/nginx.conf`, 'utf8'));
    assert.ok(hosts.length > 0);
    const services = new Set(ALL.filter((m) => m.doc.kind === 'Service').map((m) => String(at(m.doc, 'metadata', 'name'))));
    const foreign = hosts.filter((h) => !services.has(h.split('.')[0] ?? h));
    if (foreign.length === 0) return;
    // Static host names cannot follow the HPA: the file must say it is for bare hosts, and
    // no manifest may claim nginx sits in front of the pods.
    assert.match(
      readFileSync(`${ROOT}deploy/nginx/nginx.conf`, 'utf8'),
      /for bare hosts only/i,
      `upstreams ${foreign.join(', ')} are not created by deploy/k8s`,
    );
    for (const file of FILES) {
      const text = readFileSync(`${DIR}${file}`, 'utf8');
      for (const line of text.split('\n').filter((l) => /nginx/i.test(l))) assert.doesNotMatch(line, /in front/i, `${file}: ${line}`);
    }
  });

  it('shutdown budget: preStop sleep + DrainDelayMs + request timeout fit in terminationGracePeriodSeconds', () => {
    const config = parseConfig(JSON.parse(at(byKind('ConfigMap'), 'data', 'config.json') as string), builtinVocabulary(createDefaultRegistry()));
    const command = list(at(container, 'lifecycle', 'preStop', 'exec', 'command')).map(String);
    assert.equal(command[0], 'sleep');
    const preStopS = Number(command[1]);
    const graceS = Number(at(deployment, 'spec', 'template', 'spec', 'terminationGracePeriodSeconds'));
    assert.ok(preStopS > 0 && config.ListenConf.DrainDelayMs > 0);
    assert.ok(
      graceS >= preStopS + config.ListenConf.DrainDelayMs / 1000 + config.performance.request_timeout_ms / 1000,
      `grace ${String(graceS)} s < preStop ${String(preStopS)} s + drain ${String(config.ListenConf.DrainDelayMs)} ms + timeout ${String(config.performance.request_timeout_ms)} ms`,
    );
    // The primary's last resort (kill what is left and exit) must come before the kubelet's
    // SIGKILL, with a margin for a loaded node: otherwise the engine never ends on its own terms.
    const marginS = graceS - preStopS - STOP_TIMEOUT_MS / 1000;
    assert.ok(
      marginS >= 5,
      `grace ${String(graceS)} s leaves ${String(marginS)} s after preStop ${String(preStopS)} s + the primary's ${String(STOP_TIMEOUT_MS / 1000)} s`,
    );
  });
});
