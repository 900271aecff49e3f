/**
 * A TEST DOUBLE of Milvus, not Milvus. No Milvus server can run on this machine (Milvus
 * needs etcd, object storage and a container runtime), so the MILVUS algorithm is tested
 * against this gRPC server. It serves `milvus.proto.milvus.MilvusService` from the
 * protocol definitions bundled in the official SDK (`@zilliz/milvus2-sdk-node` ships its
 * .proto files compiled to protobufjs JSON in dist/milvus/proto-json/milvus.js, and loads
 * them with @grpc/proto-loader's `fromJSON`, as this file does), and implements only the
 * RPCs the SDK calls to connect and search — Connect, DescribeCollection and Search — with
 * Search answered by brute force over small in-memory collections. Every other RPC is
 * logged to stderr and answered UNIMPLEMENTED, which is how that list was found.
 *
 * Faults are scriptable: the next N calls of a method can fail with a chosen gRPC status
 * or an in-band Milvus status, and a method can be slowed down.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import type { ServiceDefinition } from '@grpc/proto-loader';
import { bruteForce, compileFilter, decodeQueries, loadCollections } from './milvus-double-data.js';
import type { Collection, Row, Scalar, ScalarType } from './milvus-double-data.js';

const require = createRequire(import.meta.url);

/** Same loader options as the SDK's, so both ends read messages alike. */
const LOADER = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/** Every service in the SDK's bundle, by full name (MilvusService and its neighbours). */
function bundledServices(): Map<string, ServiceDefinition> {
  const bundled = require('@zilliz/milvus2-sdk-node/dist/milvus/proto-json/milvus.js') as { default: Record<string, unknown> };
  const services = new Map<string, ServiceDefinition>();
  for (const [name, def] of Object.entries(fromJSON(bundled.default, LOADER))) {
    // Services map method names to method definitions; messages and enums have a `format`.
    if (!('format' in def)) services.set(name, def);
  }
  if (!services.get('milvus.proto.milvus.MilvusService')?.Search) throw new Error('MilvusService not found in the SDK bundle');
  return services;
}

export type FaultCode = keyof typeof grpc.status;

/** One scripted failure: a gRPC status, or an in-band Milvus status in a successful reply. */
export interface Fault {
  readonly code?: FaultCode;
  readonly inband?: { readonly error_code: string; readonly code: number; readonly retriable: boolean };
}

export interface CallRecord {
  readonly method: string;
  /** Wall-clock ms (timeOrigin + now), comparable across processes on one machine. */
  readonly at: number;
  /** 'pending' until the (possibly delayed) answer is sent. */
  outcome: string;
}

export interface DoubleStats {
  readonly calls: readonly CallRecord[];
  readonly unimplemented: readonly string[];
  readonly lastSearch: Readonly<Record<string, unknown>> | undefined;
}

interface KeyValue {
  key: string;
  value: string;
}
interface SearchRequest {
  collection_name: string;
  partition_names: string[];
  dsl: string;
  placeholder_group: Buffer;
  output_fields: string[];
  search_params: KeyValue[];
  nq: string;
}

const OK = { error_code: 'Success', reason: '', code: 0, retriable: false, detail: '', extra_info: {} };
const inband = (code: number, reason: string): typeof OK => ({ ...OK, error_code: 'UnexpectedError', code, reason });

function scalarField(name: string, type: ScalarType, values: readonly Scalar[]): Record<string, unknown> {
  const key = { VarChar: 'string_data', Int64: 'long_data', Double: 'double_data', Bool: 'bool_data' }[type];
  return { type, field_name: name, scalars: { [key]: { data: values } } };
}

export class MilvusDouble {
  readonly #collections: ReadonlyMap<string, Collection>;
  readonly #server = new grpc.Server();
  readonly #faults = new Map<string, Fault[]>();
  readonly #delays = new Map<string, number>();
  readonly #calls: CallRecord[] = [];
  readonly #unimplemented = new Set<string>();
  #lastSearch: Record<string, unknown> | undefined;

  constructor(dataFile: string) {
    this.#collections = loadCollections(dataFile);
    const implemented: Record<string, grpc.handleUnaryCall<unknown, unknown>> = {
      'milvus.proto.milvus.MilvusService/Connect': this.#unary('Connect', () => ({
        status: OK,
        server_info: { build_tags: 'milvus-double' },
        identifier: '1',
      })),
      'milvus.proto.milvus.MilvusService/DescribeCollection': this.#unary('DescribeCollection', (req: { collection_name: string }) =>
        this.#describe(req.collection_name),
      ),
      'milvus.proto.milvus.MilvusService/Search': this.#unary('Search', (req: SearchRequest) => this.#search(req)),
    };
    for (const [serviceName, service] of bundledServices()) {
      const impl: grpc.UntypedServiceImplementation = {};
      for (const [name, method] of Object.entries(service)) {
        if (method.requestStream || method.responseStream) continue; // grpc-js answers UNIMPLEMENTED
        impl[name] = implemented[`${serviceName}/${name}`] ?? this.#unimplementedCall(`${serviceName}/${name}`);
      }
      this.#server.addService(service, impl);
    }
  }

  #unimplementedCall(name: string): grpc.handleUnaryCall<unknown, unknown> {
    return (_call, callback) => {
      this.#unimplemented.add(name);
      this.#record(name, 'UNIMPLEMENTED');
      process.stderr.write(`milvus-double: unimplemented RPC ${name}\n`);
      callback({ code: grpc.status.UNIMPLEMENTED, details: `${name} is not implemented by the Milvus test double` });
    };
  }

  /** Listens on 127.0.0.1; port 0 picks a free one. Resolves with the port. */
  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
    });
  }

  /** The next `count` calls of `method` fail with `fault`. */
  fail(method: string, count: number, fault: Fault): void {
    const queue = this.#faults.get(method) ?? [];
    for (let i = 0; i < count; i++) queue.push(fault);
    this.#faults.set(method, queue);
  }

  /** Every call of `method` waits `ms` before it answers (0 removes the delay). */
  delay(method: string, ms: number): void {
    this.#delays.set(method, ms);
  }

  reset(): void {
    this.#faults.clear();
    this.#delays.clear();
    this.#calls.length = 0;
    this.#lastSearch = undefined;
  }

  stats(): DoubleStats {
    return { calls: this.#calls.map((c) => ({ ...c })), unimplemented: [...this.#unimplemented], lastSearch: this.#lastSearch };
  }

  /** Lets calls in flight finish for up to a second, then drops what is left. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      const force = setTimeout(() => {
        this.#server.forceShutdown();
        resolve();
      }, 1000);
      this.#server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  /** Records a call when it arrives; its outcome is filled in when it is answered. */
  #record(method: string, outcome = 'pending'): CallRecord {
    const record: CallRecord = { method, at: performance.timeOrigin + performance.now(), outcome };
    this.#calls.push(record);
    return record;
  }

  /** Wraps a handler with the scripted delay and faults of its method. */
  #unary<Req>(method: string, handle: (req: Req) => unknown): grpc.handleUnaryCall<unknown, unknown> {
    return (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const fault = this.#faults.get(method)?.shift();
      const record = this.#record(method);
      const answer = (): void => {
        if (fault?.code) {
          record.outcome = fault.code;
          callback({ code: grpc.status[fault.code], details: `${fault.code} injected by the Milvus test double` });
        } else if (fault?.inband) {
          record.outcome = `inband:${fault.inband.error_code}`;
          callback(null, { status: { ...OK, ...fault.inband, reason: 'injected by the Milvus test double' } });
        } else {
          let reply: unknown;
          try {
            reply = handle(call.request as Req);
          } catch (err) {
            record.outcome = 'INTERNAL';
            callback({ code: grpc.status.INTERNAL, details: String(err) });
            return;
          }
          record.outcome = 'OK';
          callback(null, reply);
        }
      };
      const ms = this.#delays.get(method) ?? 0;
      if (ms > 0) setTimeout(answer, ms);
      else answer();
    };
  }

  #describe(name: string): unknown {
    const c = this.#collections.get(name);
    if (!c) return { status: inband(100, `collection not found[collection=${name}]`) };
    const scalars = [...c.scalarTypes].map(([field, type], i) => ({ fieldID: String(102 + i), name: field, data_type: type }));
    return {
      status: OK,
      schema: {
        name: c.name,
        fields: [
          { fieldID: '100', name: c.idField, is_primary_key: true, data_type: c.idType, type_params: [{ key: 'max_length', value: '256' }] },
          { fieldID: '101', name: c.vectorField, data_type: 'FloatVector', type_params: [{ key: 'dim', value: String(c.dim) }] },
          ...scalars,
        ],
      },
      collectionID: '1',
      collection_name: c.name,
      consistency_level: 'Bounded',
      shards_num: 1,
      db_name: 'default',
    };
  }

  #search(req: SearchRequest): unknown {
    const params = Object.fromEntries(req.search_params.map((kv) => [kv.key, kv.value]));
    this.#lastSearch = {
      ...params,
      collection_name: req.collection_name,
      partition_names: req.partition_names,
      dsl: req.dsl,
      output_fields: req.output_fields,
      nq: req.nq,
    };
    const c = this.#collections.get(req.collection_name);
    if (!c) return { status: inband(100, `collection not found[collection=${req.collection_name}]`) };
    if (params.anns_field && params.anns_field !== c.vectorField) return { status: inband(1100, `field ${params.anns_field} is not a vector field`) };
    if (params.metric_type && params.metric_type !== c.metric) {
      return { status: inband(1100, `metric type not match: invalid parameter[expected=${c.metric}][actual=${params.metric_type}]`) };
    }
    const filter = compileFilter(req.dsl, c.idField);
    if (!filter) return { status: inband(1100, `cannot parse expression: ${req.dsl} (the test double knows ==, != and in)`) };
    // '*' names every scalar field here (Milvus would add the vectors too; no test asks).
    const requested = req.output_fields.flatMap((f) => (f === '*' ? [...c.scalarTypes.keys()] : [f]));
    const outputs = [...new Set([c.idField, ...requested])];
    const unknown = outputs.find((f) => f !== c.idField && !c.scalarTypes.has(f));
    if (unknown) return { status: inband(1100, `field ${unknown} not exist`) };
    const queries = decodeQueries(req.placeholder_group, c.dim);
    const topk = Number(params.topk ?? 10);
    const offset = Number(params.offset ?? 0);
    const parts = new Set(req.partition_names);
    const rows = c.rows.filter((r) => (parts.size === 0 || parts.has(r.partition)) && filter(r));
    const hits = queries.map((q) => bruteForce(c, rows, q, topk, offset));
    const flat: Row[] = hits.flatMap((h) => h.map((x) => x.row));
    const ids = c.idType === 'Int64' ? { int_id: { data: flat.map((r) => r.id) } } : { str_id: { data: flat.map((r) => String(r.id)) } };
    const fields = outputs.map((f) =>
      f === c.idField
        ? scalarField(
            f,
            c.idType,
            flat.map((r) => r.id),
          )
        : scalarField(
            f,
            c.scalarTypes.get(f) ?? 'VarChar',
            flat.map((r) => r.scalars[f] ?? ''),
          ),
    );
    return {
      status: OK,
      collection_name: c.name,
      results: {
        num_queries: String(queries.length),
        top_k: String(topk),
        fields_data: fields,
        scores: hits.flatMap((h) => h.map((x) => x.score)),
        ids,
        topks: hits.map((h) => String(h.length)),
        output_fields: outputs,
        primary_field_name: c.idField,
      },
    };
  }
}
