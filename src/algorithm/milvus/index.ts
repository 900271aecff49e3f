import { DataType, MilvusClient } from '@zilliz/milvus2-sdk-node';
import { PairecError } from '../../errors.js';
import type { AlgorithmTypeDef } from '../registry.js';
import { MilvusConfSchema } from './config.js';
import type { MilvusConf } from './config.js';
import { MilvusAlgorithm, checkStatus } from './milvus.js';

export { MilvusAlgorithm, MilvusStatusError, isRetryableMilvusError } from './milvus.js';
export type { MilvusNeighbours } from './milvus.js';
export type { MilvusConf } from './config.js';

/**
 * One SDK client for the instance. The SDK's own retry interceptor is turned off
 * (`maxRetries: 0`): it retries without regard to the request's deadline, and retries
 * here are done once, by `resilience/retry`. Its client telemetry (a heartbeat RPC every
 * 10 s) is off too: the engine reports its own metrics.
 */
function newClient(conf: MilvusConf): MilvusClient {
  return new MilvusClient({
    address: conf.ServerAddress,
    timeout: conf.Timeout,
    maxRetries: 0,
    telemetry: { enabled: false },
  });
}

/** Connects and reads the collection's schema: a wrong address, collection or field fails the build. */
async function connect(name: string, conf: MilvusConf): Promise<{ client: MilvusClient; dim: number }> {
  const client = newClient(conf);
  const fail = async (why: string, cause?: unknown): Promise<never> => {
    await client.closeConnection().catch(() => undefined);
    throw new PairecError('ERR_ALGORITHM_BUILD', `MILVUS "${name}" (${conf.ServerAddress}): ${why}`, { cause });
  };
  try {
    // The SDK starts the Connect handshake in its constructor; awaiting it here also
    // keeps its rejection from going unhandled when the server is down.
    await client.connectPromise;
    const described = await client.describeCollection({ collection_name: conf.CollectionName, cache: true, timeout: conf.Timeout });
    checkStatus(`DescribeCollection "${conf.CollectionName}"`, described.status);
    const fields = described.schema.fields;
    const vector = fields.find((f) => f.name === conf.VectorField);
    if (!vector || vector.dataType !== DataType.FloatVector) {
      return await fail(`collection "${conf.CollectionName}" has no float vector field "${conf.VectorField}"`);
    }
    const dim = Number(vector.dim);
    if (!Number.isInteger(dim) || dim < 1) return await fail(`field "${conf.VectorField}" has no dimension`);
    if (!fields.some((f) => f.name === conf.IdField)) {
      return await fail(`collection "${conf.CollectionName}" has no field "${conf.IdField}" (IdField)`);
    }
    return { client, dim };
  } catch (err) {
    if (err instanceof PairecError) throw err;
    return fail(err instanceof Error ? err.message : String(err), err);
  }
}

/** MILVUS (`MilvusConf`): vector retrieval from a Milvus collection. */
export const milvusType: AlgorithmTypeDef<'retrieval', typeof MilvusConfSchema> = {
  type: 'MILVUS',
  kind: 'retrieval',
  remote: true,
  endpoint: (conf) => conf.ServerAddress,
  confKey: 'MilvusConf',
  schema: MilvusConfSchema,
  create: async (name, conf, deps) => {
    const { client, dim } = await connect(name, conf);
    return new MilvusAlgorithm(name, conf, { client, dim, logger: deps.logger.child({ algorithm: name }) });
  },
};
