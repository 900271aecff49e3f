import { PairecError } from '../errors.js';
import { pathFromSegments } from '../config/json-path.js';
import { findNestingProblem } from '../forbidden-keys.js';

/**
 * Deepest nesting a request body may have. PaiRec's bodies are at most four levels deep
 * (a callback's item entries with their extra fields); anything deeper is not a request
 * but an attempt to make every later walk over it expensive.
 */
export const MAX_BODY_DEPTH = 16;

/**
 * Body parser for application/json. JSON.parse keeps "__proto__" as a plain own key
 * (it never reaches a prototype), and one walk then rejects any such key by path, and
 * nesting deeper than MAX_BODY_DEPTH, so a poisoned body is reported as what it is
 * rather than as malformed JSON.
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new PairecError('ERR_MALFORMED_JSON', 'the request body is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PairecError('ERR_MALFORMED_JSON', `the request body is not valid JSON: ${(err as Error).message}`);
  }
  const problem = findNestingProblem(value, MAX_BODY_DEPTH);
  if (problem) {
    const field = pathFromSegments(problem.segments).replace(/^\$\.?/, '') || '$';
    if (problem.kind === 'key') throw new PairecError('ERR_FORBIDDEN_KEY', `${field} is a forbidden key`, { path: field });
    throw new PairecError('ERR_INVALID_FIELD', `${field} nests deeper than ${MAX_BODY_DEPTH} levels`, { path: field });
  }
  return value;
}
