import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { resolveCatalogPaths } from '../catalog/paths.js';
import { PairecError, ConfigError } from '../errors.js';

/** Reads and parses a JSON config file; read and syntax errors become ERR_CONFIG_READ. */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([new PairecError('ERR_CONFIG_READ', `cannot read config ${path}: ${(err as Error).message}`, { cause: err })]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text) as unknown;
  } catch (err) {
    // V8 quotes the text around some syntax errors; that text may hold a password or token.
    const why = (err as Error).message.replace(/, .* is not valid JSON$/s, '');
    throw new ConfigError([new PairecError('ERR_CONFIG_READ', `config ${path} is not valid JSON: ${why}`, { path: '$' })]);
  }
  // Data files a config names are found next to it, not in whatever folder the process started in.
  resolveCatalogPaths(raw, dirname(resolve(path)));
  return raw;
}
