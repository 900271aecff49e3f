import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/validate.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { manifestProblems, readManifests } from '../helpers/k8s-validate.js';
import type { Manifest } from '../helpers/k8s-validate.js';

const DIR = fileURLToPath(new URL('../../../deploy/k8s/', import.meta.url));
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
const ALL = FILES.flatMap((f) => readManifests(`${DIR}${f}`).map((doc) => ({ file: f, doc })));
const byKind = (kind: string): Manifest => {
  const found = ALL.find((m) => m.doc.kind === kind);
  assert.ok(found, `no ${kind} in deploy/k8s`);
  return found.doc;
};

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
    assert.deepEqual(ALL.map((m) => m.doc.kind).sort(), ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service']);
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
    ['a resourceFieldRef without its resource', mutated(deployment, ['spec', 'template', 'spec', 'containers', 0, 'env', 1, 'valueFrom', 'resourceFieldRef', 'resource'], undefined), /required property resource/],
    ['a probe port that is neither number nor name', mutated(deployment, ['spec', 'template', 'spec', 'containers', 0, 'livenessProbe', 'httpGet', 'port'], { n: 8000 }), /httpGet\/port must/],
    ['an HPA without maxReplicas', mutated(byKind('HorizontalPodAutoscaler'), ['spec', 'maxReplicas'], undefined), /required property maxReplicas/],
    ['an HPA metric with a string utilisation', mutated(byKind('HorizontalPodAutoscaler'), ['spec', 'metrics', 0, 'resource', 'target', 'averageUtilization'], '70%'), /averageUtilization/],
    ['a Service port as text', mutated(byKind('Service'), ['spec', 'ports', 0, 'port'], 'eighty'), /port/],
    ['a ConfigMap value that is not a string', mutated(byKind('ConfigMap'), ['data', 'config.json'], { nested: true }), /config\.json|string/],
    ['an unknown kind', { ...deployment, kind: 'Deploymnet' }, /no schema/],
  ];
  for (const [what, doc, expected] of broken) {
    it(`rejects ${what}`, () => {
      const problems = manifestProblems(doc);
      assert.ok(problems.some((p) => expected.test(p)), `problems: ${JSON.stringify(problems)}`);
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
    assert.equal(at(port, 'containerPort'), 8000);
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
    assert.equal(at(hpa, 'spec', 'minReplicas'), 3);
    assert.equal(at(hpa, 'spec', 'maxReplicas'), 20);
    const targets = Object.fromEntries(list(at(hpa, 'spec', 'metrics')).map((m) => [at(m, 'resource', 'name'), at(m, 'resource', 'target', 'averageUtilization')]));
    assert.deepEqual(targets, { cpu: 70, memory: 80 });
  });

  it('the ConfigMap carries a config the engine accepts, mounted where the container reads it', () => {
    const text = at(byKind('ConfigMap'), 'data', 'config.json');
    assert.equal(typeof text, 'string');
    const config = parseConfig(JSON.parse(text as string), builtinVocabulary(createDefaultRegistry()));
    assert.equal(config.ListenConf.HttpPort, at(container, 'ports', 0, 'containerPort'));
    const volume = list(at(deployment, 'spec', 'template', 'spec', 'volumes')).find((v) => at(v, 'configMap', 'name') === at(byKind('ConfigMap'), 'metadata', 'name'));
    const mount = list(at(container, 'volumeMounts')).find((m) => at(m, 'name') === at(volume, 'name'));
    const args = list(at(container, 'args')).map(String);
    assert.equal(args[args.indexOf('--config') + 1], `${String(at(mount, 'mountPath'))}/config.json`);
  });

  it('the ConfigMap serves the catalog and indexes the image pre-builds (examples/default.json), so pods start from that cache', () => {
    const mapped = JSON.parse(at(byKind('ConfigMap'), 'data', 'config.json') as string) as Record<string, unknown>;
    const baked = JSON.parse(readFileSync(fileURLToPath(new URL('../../../examples/default.json', import.meta.url)), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(at(mapped, 'CatalogConf', 'Demo'), at(baked, 'CatalogConf', 'Demo'));
    assert.deepEqual(at(mapped, 'AlgoConfs'), at(baked, 'AlgoConfs'));
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
    // `pairec serve` gives up draining 30 s after SIGTERM (src/cli/serve.ts): the kubelet
    // should not SIGKILL before that.
    assert.ok(graceS >= preStopS + 30);
  });
});
