import { performance } from 'node:perf_hooks';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyError } from 'fastify';
import type { Logger } from 'pino';
import type { ServedModel } from './model.js';
import { ProtocolError } from './protocols.js';
import { HotSwap } from '../hot-swap.js';
import { serialReloads } from '../serial-reload.js';
import { loadServed } from './served.js';
import type { Served, ServedSpec } from './served.js';
import { registerEasRoutes } from './eas-routes.js';
import { registerTensorRoutes } from './v2-routes.js';

const gunzipAsync = promisify(gunzip);

export interface ModelServerOptions {
  readonly modelPath: string;
  /** Served name (`/v2/models/<name>`, `/api/predict/<name>`); the file's base name by default. */
  readonly name?: string;
  /**
   * Reads the feature spec (EasyRec and PMML requests only): at start, and again at each
   * reload. Undefined: none given; the default one is used when it fits the model.
   */
  readonly loadSpec: () => Promise<ServedSpec | undefined>;
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
  /** The model new requests get. */
  readonly model: ServedModel;
  /**
   * Loads the model file and the feature spec again beside the served ones and swaps them
   * in; the old session is released once the requests using it are answered. A load that
   * fails is logged and the served model keeps serving. Resolves true when swapped.
   */
  reload(trigger: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * `pairec model-server`: one ONNX model behind PAI-EAS (EasyRec, TensorFlow, PMML), TF
 * Serving REST and KServe v2 REST. The tensor protocols take the model's own inputs by
 * name, as Triton does; EasyRec and PMML send feature maps, assembled into rows with the
 * same feature spec as the in-process ONNX type, so remote and in-process scores match.
 */
export async function startModelServer(opts: ModelServerOptions): Promise<RunningModelServer> {
  const { logger } = opts;
  const served = new HotSwap<Served>((s) => s.model.close());
  const describe = ({ model, spec }: Served) => ({
    model: model.name,
    inputs: model.inputs.map((i) => `${i.name}:${i.type}[${i.shape.join(', ')}]`),
    width: model.width,
    outputs: model.outputNames,
    featureSpec: spec !== undefined,
  });
  const first = await loadServed(opts.modelPath, opts.name, opts.loadSpec, logger);
  void served.swap(first);
  const bodyLimit = opts.bodyLimit ?? 64 << 20;
  const app = Fastify({
    // Per-request logs at warn and above only: a model server answers thousands a second.
    loggerInstance: logger.child({}, { level: 'warn' }) as FastifyBaseLogger,
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
    if (status >= 500) logger.error({ err }, 'model server error');
    void reply.status(status).send({ error: status >= 500 && !(err instanceof ProtocolError) ? 'internal error' : err.message });
  });
  app.setNotFoundHandler((req, reply) => void reply.status(404).send({ error: `no route ${req.method} ${req.url}` }));
  app.get('/health', () => ({ status: 'ok' }));
  registerTensorRoutes(app, served);
  registerEasRoutes(app, served, opts.token);
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;

  let closed = false;
  const reload = serialReloads(async (trigger): Promise<boolean> => {
    if (closed) return false;
    const started = performance.now();
    let next: Served;
    try {
      next = await loadServed(opts.modelPath, opts.name, opts.loadSpec, logger);
    } catch (err) {
      logger.error({ trigger, err }, 'model reload failed; the served model keeps serving');
      return false;
    }
    if (closed) {
      await next.model.close();
      return false;
    }
    // Swapped in one assignment; the old session is released when its last request is answered.
    const released = served.swap(next);
    logger.info({ trigger, ...describe(next), ms: Math.round(performance.now() - started) }, 'model reloaded');
    released.catch((err: unknown) => logger.warn({ err }, 'releasing the previous model failed'));
    return true;
  }, Promise.resolve());
  return {
    port,
    get model() {
      return (served.current ?? first).model;
    },
    reload,
    close: async () => {
      closed = true;
      await app.close();
      await served.close();
    },
  };
}
