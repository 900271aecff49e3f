import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyError } from 'fastify';
import type { Logger } from 'pino';
import type { FeatureSpec } from '../../model/feature-spec.js';
import { specWidth } from '../../model/feature-spec.js';
import { ServedModel } from './model.js';
import { ProtocolError } from './protocols.js';
import { registerEasRoutes } from './eas-routes.js';
import { registerTensorRoutes } from './v2-routes.js';

const gunzipAsync = promisify(gunzip);

export interface ModelServerOptions {
  readonly modelPath: string;
  /** Served name (`/v2/models/<name>`, `/api/predict/<name>`); the file's base name by default. */
  readonly name?: string;
  readonly spec: FeatureSpec;
  readonly host: string;
  readonly port: number;
  /** EAS token required in `Authorization`; none when undefined. */
  readonly token?: string;
  /** Largest request body, before and after gzip. */
  readonly bodyLimit?: number;
  readonly logger: Logger;
}

export interface RunningModelServer {
  readonly port: number;
  readonly model: ServedModel;
  close(): Promise<void>;
}

/**
 * `pairec model-server`: one ONNX model behind PAI-EAS (EasyRec, TensorFlow, PMML), TF
 * Serving REST and KServe v2 REST. Input rows are assembled from features with the same
 * feature spec as the in-process ONNX type, so remote and in-process scores match.
 */
export async function startModelServer(opts: ModelServerOptions): Promise<RunningModelServer> {
  const model = await ServedModel.load(opts.modelPath, opts.name);
  if (model.width !== undefined && specWidth(opts.spec) !== model.width) {
    await model.close();
    throw new Error(`the feature spec assembles ${specWidth(opts.spec)} values per row, the model takes ${model.width}`);
  }
  const bodyLimit = opts.bodyLimit ?? 64 << 20;
  const app = Fastify({
    // Per-request logs at warn and above only: a model server answers thousands a second.
    loggerInstance: opts.logger.child({}, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit,
  });
  // Every protocol gets the raw body: protobuf, JSON and gzip JSON alike.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    const buf = body as Buffer;
    if (req.headers['content-encoding'] !== 'gzip') return done(null, buf);
    gunzipAsync(buf, { maxOutputLength: bodyLimit }).then(
      (plain) => done(null, plain),
      () => done(new ProtocolError(400, 'body is not valid gzip, or inflates past the body limit')),
    );
  });
  app.setErrorHandler((err: FastifyError | ProtocolError, _req, reply) => {
    const status = err instanceof ProtocolError ? err.statusCode : (err.statusCode ?? 500);
    if (status >= 500) opts.logger.error({ err }, 'model server error');
    void reply.status(status).send({ error: status >= 500 && !(err instanceof ProtocolError) ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((req, reply) => void reply.status(404).send({ error: `no route ${req.method} ${req.url}` }));
  app.get('/health', () => ({ status: 'ok' }));
  registerTensorRoutes(app, model);
  registerEasRoutes(app, model, opts.spec, opts.token);
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    port,
    model,
    close: async () => {
      await app.close();
      await model.close();
    },
  };
}
