import { readFile } from 'node:fs/promises';
import { Value } from '@sinclair/typebox/value';
import { createLogger } from '../observability/logger.js';
import { Type } from '@sinclair/typebox';
import { FeatureRefSchema, FeatureSpecSchema } from '../algorithm/feature-spec.js';
import type { FeatureRef } from '../algorithm/feature-spec.js';
import { OnnxInputsSchema } from '../algorithm/onnx/config.js';
import type { ServedSpec } from '../companions/model-server/served.js';
import { startModelServer } from '../companions/model-server/server.js';
import { usageError } from './command.js';
import type { CommandRun } from './command.js';
import type { MODEL_SERVER_OPTIONS } from './commands.js';
import { intOption } from './int-option.js';
import { PairecError } from '../errors.js';
import { reloadOnSighup } from './reload-signal.js';

/** `name:dim,name:dim` → feature refs (dim 1 when omitted). */
function refs(flag: string, text: string): FeatureRef[] {
  return text
    .split(',')
    .filter((s) => s.length > 0)
    .map((part) => {
      const [name = '', dim = '1'] = part.split(':');
      const d = Number(dim);
      if (!name || !Number.isInteger(d) || d < 1) throw usageError(`--${flag}: "${part}" is not name[:dim]`);
      return { Name: name, Dim: d, Default: 0 };
    });
}

/** A spec file of every input by name, as OnnxConf.Inputs; otherwise a file is a one-input FeatureSpec. */
const InputsFileSchema = Type.Object({ Inputs: OnnxInputsSchema }, { additionalProperties: false });

function withRefDefaults(input: unknown): void {
  if (typeof input !== 'object' || input === null) return;
  for (const key of ['User', 'Item'] as const) {
    const refs = (input as Record<string, unknown>)[key];
    if (Array.isArray(refs)) refs.forEach((r, i) => (refs[i] = Value.Default(FeatureRefSchema, r)));
  }
}

/** The spec given by flags, or undefined when none is (then the default is used if it fits the model). */
async function specFrom(file: string | undefined, user: string | undefined, item: string | undefined): Promise<ServedSpec | undefined> {
  if (!file)
    return user === undefined && item === undefined ? undefined : { User: refs('user', user ?? 'embedding:64'), Item: refs('item', item ?? 'embedding:64') };
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new PairecError('ERR_CONFIG_READ', `${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const inputsFile = typeof raw === 'object' && raw !== null && 'Inputs' in raw;
  const schema = inputsFile ? InputsFileSchema : FeatureSpecSchema;
  // TypeBox does not fill defaults inside a record: each input's feature refs get theirs here.
  if (inputsFile) for (const input of Object.values((raw as { Inputs: unknown }).Inputs ?? {})) withRefDefaults(input);
  const spec = Value.Default(schema, raw);
  if (!Value.Check(schema, spec)) {
    const first = [...Value.Errors(schema, spec)][0];
    throw new PairecError('ERR_CONFIG_READ', `${file}: ${first ? `${first.path} ${first.message}` : 'not a feature spec'}`);
  }
  return spec;
}

/** `pairec model-server` (options in cli/commands.ts). */
export const runModelServer: CommandRun<typeof MODEL_SERVER_OPTIONS> = async (values) => {
  const sighup = reloadOnSighup();
  const port = intOption('port', values.port, 0, 65535);
  const logger = createLogger('info');
  const server = await startModelServer({
    modelPath: values.model,
    ...(values.name ? { name: values.name } : {}),
    ...(values.token !== undefined ? { token: values.token } : {}),
    // Read at start and again at each reload (SIGHUP), with the model file.
    loadSpec: () => specFrom(values.features, values.user, values.item),
    host: values.host,
    port,
    logger,
  });
  logger.info({ port: server.port, model: server.model.name, inputs: server.model.inputs.map((i) => i.name), outputs: server.model.outputNames }, 'listening');
  const stop = (signal: string): void => {
    logger.info({ signal }, 'stopping');
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // Reload the model and the feature spec; the served model keeps serving if that fails.
  sighup.attach(server.reload);
  return undefined;
};
