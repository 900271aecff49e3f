import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** `pai.web.VectorRequest` as proto-loader presents it. */
export interface VectorRequest {
  k: number;
  vector: number[];
}

/**
 * `pai.web.VectorReply`. uint64 ids are read as JS numbers: Faiss ids are row numbers,
 * far below 2^53, so nothing is lost and no id goes through a string conversion.
 */
export interface VectorReply {
  retval: number[];
  scores: number[];
  labels: string[];
}

export const PROTO_PATH = fileURLToPath(new URL('../../../protos/vectorretrieval.proto', import.meta.url));
export const SEARCH_PATH = '/pai.web.VectorRetrieval/Search';

/** The service definition, loaded once from protos/ (the wire contract PaiRec users run). */
export const vectorRetrievalService: grpc.ServiceDefinition = (() => {
  const def = protoLoader.loadSync(PROTO_PATH, { keepCase: true, longs: Number, defaults: true, arrays: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    pai: { web: { VectorRetrieval: grpc.ServiceClientConstructor } };
  };
  return pkg.pai.web.VectorRetrieval.service;
})();

const ClientCtor = grpc.makeGenericClientConstructor(vectorRetrievalService, 'VectorRetrieval');

/** A typed client of one channel. */
export interface VectorRetrievalClient {
  search(req: VectorRequest, deadline: Date, signal: AbortSignal): Promise<VectorReply>;
  /** The channel's connectivity state, lower case: idle, connecting, ready, transient_failure, shutdown. */
  state(): string;
  close(): void;
}

export function createVectorRetrievalClient(address: string, options: grpc.ChannelOptions): VectorRetrievalClient {
  const client = new ClientCtor(address, grpc.credentials.createInsecure(), options);
  const method = client.Search as unknown as (
    req: VectorRequest,
    meta: grpc.Metadata,
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, reply?: VectorReply) => void,
  ) => grpc.ClientUnaryCall;
  return {
    search: (req, deadline, signal) =>
      new Promise((resolve, reject) => {
        const call = method.call(client, req, new grpc.Metadata(), { deadline }, (err, reply) => {
          signal.removeEventListener('abort', cancel);
          if (err || !reply) reject(err ?? new Error('empty reply'));
          else resolve(reply);
        });
        const cancel = (): void => call.cancel();
        signal.addEventListener('abort', cancel, { once: true });
      }),
    state: () => (grpc.connectivityState[client.getChannel().getConnectivityState(false)] ?? 'unknown').toLowerCase(),
    close: () => client.close(),
  };
}
