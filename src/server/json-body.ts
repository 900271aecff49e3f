import { PairecError } from '../errors.js';
import { findForbiddenKey } from '../config/json-path.js';

/**
 * Body parser for application/json. JSON.parse keeps "__proto__" as a plain own key
 * (it never reaches a prototype), and the scan then rejects any such key by path, so a
 * poisoned body is reported as what it is rather than as malformed JSON.
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new PairecError('ERR_MALFORMED_JSON', 'the request body is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PairecError('ERR_MALFORMED_JSON', `the request body is not valid JSON: ${(err as Error).message}`);
  }
  const forbidden = findForbiddenKey(value);
  if (forbidden) {
    const field = forbidden.replace(/^\$\.?/, '');
    throw new PairecError('ERR_FORBIDDEN_KEY', `${field} is a forbidden key`, { path: field });
  }
  return value;
}
