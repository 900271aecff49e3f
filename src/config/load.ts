import { readFile } from 'node:fs/promises';
import { PairecError, ConfigError } from '../errors.js';

/** Reads and parses a JSON config file; read and syntax errors become ERR_CONFIG_READ. */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([new PairecError('ERR_CONFIG_READ', `cannot read config ${path}: ${(err as Error).message}`, { cause: err })]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // V8 quotes the text around some syntax errors; that text may hold a password or token.
    const why = (err as Error).message.replace(/, .* is not valid JSON$/s, '');
    throw new ConfigError([new PairecError('ERR_CONFIG_READ', `config ${path} is not valid JSON: ${why}`, { path: '$' })]);
  }
}
