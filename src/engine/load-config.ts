import type { AlgorithmRegistry } from '../algorithm/registry.js';
import { readConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { parseConfig } from '../config/validate.js';
import type { PipelineTypes } from '../pipeline/types.js';
import { builtinVocabulary } from './vocabulary.js';

/**
 * Reads and validates a config file against a registry's types: the one way a process
 * parses its config before an engine exists (the server's start, the cluster primary's
 * check before it forks). Reloads parse through Engine.parse with the same vocabulary
 * plus the instances registered in code.
 */
export async function loadConfigFile(path: string, registry: AlgorithmRegistry, pipelineTypes?: PipelineTypes): Promise<{ raw: unknown; config: Config }> {
  const raw = await readConfigFile(path);
  return { raw, config: parseConfig(raw, builtinVocabulary(registry, new Map(), pipelineTypes)) };
}
