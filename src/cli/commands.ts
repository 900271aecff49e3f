import { defineCommand } from './command.js';
import type { Command } from './command.js';

/*
 * The `pairec` sub-commands: names, options and help here; each implementation is
 * imported only when its command runs.
 */

export const SERVE_OPTIONS = {
  config: { type: 'string', short: 'c', value: 'FILE', required: true, help: 'the config file (JSON)' },
  port: { type: 'string', short: 'p', value: 'N', help: 'listen on this port instead of ListenConf.HttpPort (0: a free port the system picks)' },
  host: { type: 'string', value: 'ADDR', help: 'listen on this address instead of ListenConf.HttpAddr' },
  workers: { type: 'string', short: 'w', value: 'N|auto', help: 'serving processes: a count or "auto" (the CPU quota); PAIREC_WORKERS otherwise' },
  'no-watch': { type: 'boolean', default: false, help: 'do not reload when the file changes (SIGHUP still reloads)' },
  'loop-delay': { type: 'boolean', default: false, help: 'add the 1 ms-resolution event-loop delay gauge to /metrics' },
} as const;

export const VALIDATE_OPTIONS = {
  config: { type: 'string', short: 'c', value: 'FILE', required: true, help: 'the config file to check' },
  connect: { type: 'boolean', default: false, help: 'also check that each configured backend answers (Redis, Hologres, MySQL, remote models, vector servers)' },
  timeout: { type: 'string', value: 'MS', default: '2000', help: 'with --connect: the longest wait for each backend' },
  json: { type: 'boolean', default: false, help: 'print the report as one JSON object' },
} as const;

export const GEN_DEMO_OPTIONS = {
  config: { type: 'string', short: 'c', value: 'FILE', required: true, help: 'the config whose catalog and indexes to build' },
} as const;

export const VECTOR_SERVER_OPTIONS = {
  data: { type: 'string', value: 'FILE', help: 'vectors to serve: an .fvecs or .svm file' },
  catalog: { type: 'string', value: 'CONFIG', help: "serve the items of this config's catalog instead" },
  port: { type: 'string', value: 'N', default: '9000', help: 'gRPC port' },
  host: { type: 'string', value: 'ADDR', default: '0.0.0.0', help: 'listen address' },
  index: { type: 'string', value: 'hnsw|ivf|flat', default: 'hnsw', help: 'index kind' },
  space: { type: 'string', value: 'ip|cosine|l2', default: 'ip', help: 'distance' },
  m: { type: 'string', value: 'N', default: '16', help: 'HNSW links per node' },
  'ef-construction': { type: 'string', value: 'N', default: '100', help: 'HNSW build effort' },
  'ef-search': { type: 'string', value: 'N', default: '100', help: 'HNSW search effort' },
  nlist: { type: 'string', value: 'N', default: '0', help: 'IVF lists (0: from the item count)' },
  nprobe: { type: 'string', value: 'N', default: '16', help: 'IVF lists searched per query' },
  'metrics-port': { type: 'string', value: 'N|none', default: '9001', help: 'Prometheus /metrics port' },
  'cache-dir': { type: 'string', value: 'DIR', help: 'where built indexes are kept' },
  'no-cache': { type: 'boolean', default: false, help: 'build the index every start' },
  'refresh-seconds': { type: 'string', value: 'N', default: '5', help: 'check the data files for changes this often (0: on SIGHUP only)' },
} as const;

export const MODEL_SERVER_OPTIONS = {
  model: { type: 'string', value: 'FILE.onnx', required: true, help: 'the ONNX model to serve' },
  port: { type: 'string', value: 'N', default: '8500', help: 'HTTP port' },
  host: { type: 'string', value: 'ADDR', default: '0.0.0.0', help: 'listen address' },
  name: { type: 'string', value: 'NAME', help: 'the model name in URLs (default: the file name)' },
  token: { type: 'string', value: 'TOKEN', help: 'require Authorization: TOKEN (EAS style)' },
  features: { type: 'string', value: 'SPEC.json', help: 'feature spec for EasyRec and PMML requests' },
  user: { type: 'string', value: 'name:dim,...', help: 'user features of the spec, without --features' },
  item: { type: 'string', value: 'name:dim,...', help: 'item features of the spec, without --features' },
} as const;

export const PROFILE_OPTIONS = {
  config: { type: 'string', short: 'c', value: 'FILE', required: true, help: 'the config that defines the algorithm' },
  algorithm: { type: 'string', short: 'a', value: 'NAME', required: true, help: 'the AlgoConfs entry to run' },
  input: { type: 'string', short: 'i', value: 'FILE', required: true, help: 'the input of one run (JSON)' },
  iterations: { type: 'string', short: 'n', value: 'N', default: '1000', help: 'timed runs' },
  warmup: { type: 'string', value: 'N', default: '10', help: 'runs before timing' },
  out: { type: 'string', short: 'o', value: 'DIR', default: 'pairec-profile', help: 'where the profiles are written' },
  json: { type: 'boolean', default: false, help: 'print the report as JSON' },
} as const;

const VALIDATE_NOTES = `Checks the config as \`pairec serve\` loads it, without serving: the schema, every
reference, compatibility warnings and blocks nothing uses. Local files the config names
(a file catalog, feature files, model files) are read, as serve reads them at load (a
bad row fails the load there); algorithms are not built. No port is opened and no
backend is contacted unless --connect.

exit status: 0 valid (warnings allowed), 1 problems found (or a backend down with
--connect), 2 usage error`;

const MODEL_SERVER_NOTES = `Tensor protocols (KServe v2, TF Serving, EAS TensorFlow) take the model's own inputs by
name; the feature spec only serves EasyRec and PMML (default: embedding:64 + embedding:64
when it fits).`;

export const COMMANDS: readonly Command[] = [
  defineCommand({
    name: 'serve',
    summary: 'serve /api/recommend from a config file (reloads on change and on SIGHUP)',
    options: SERVE_OPTIONS,
    load: async () => (await import('./serve.js')).runServe,
  }),
  defineCommand({
    name: 'validate',
    summary: 'check a config file as serve would load it, print every problem, exit 0 or 1 (like nginx -t)',
    options: VALIDATE_OPTIONS,
    notes: VALIDATE_NOTES,
    load: async () => (await import('./validate.js')).runValidate,
  }),
  defineCommand({
    name: 'gen-demo',
    summary: 'generate the demo catalog and build its ANN index into the cache',
    options: GEN_DEMO_OPTIONS,
    load: async () => (await import('./gen-demo.js')).runGenDemo,
  }),
  defineCommand({
    name: 'vector-server',
    summary: 'serve pai.web.VectorRetrieval (Faiss-Server protocol) over .fvecs/.svm vectors or a catalog (--data or --catalog)',
    options: VECTOR_SERVER_OPTIONS,
    load: async () => (await import('./vector-server.js')).runVectorServer,
  }),
  defineCommand({
    name: 'model-server',
    summary: 'serve any ONNX model over KServe v2 REST, TF Serving REST and PAI-EAS (EasyRec, TensorFlow, PMML)',
    options: MODEL_SERVER_OPTIONS,
    notes: MODEL_SERVER_NOTES,
    load: async () => (await import('./model-server.js')).runModelServer,
  }),
  defineCommand({
    name: 'profile',
    summary: 'run one configured algorithm on an input; print time per run, write .cpuprofile, .heapprofile and .trace.json',
    options: PROFILE_OPTIONS,
    load: async () => (await import('./profile.js')).runProfile,
  }),
];
