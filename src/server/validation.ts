import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { PairecError } from '../errors.js';

const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false, strict: false });

/** A body validator: no coercion, no defaults (the route applies PaiRec's defaults itself). */
export function compileBody<T>(schema: TSchema): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}

function fieldName(pointer: string): string {
  return pointer.replace(/^\//, '').replace(/\//g, '.');
}

/** Narrows `body` or throws the catalog error naming the first field at fault. */
export function assertValid<T>(validate: ValidateFunction<T>, body: unknown): asserts body is T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new PairecError('ERR_INVALID_FIELD', 'the request body must be a JSON object', { path: '$' });
  }
  if (validate(body)) return;
  const e = validate.errors?.[0];
  const params = (e?.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
  const at = fieldName(e?.instancePath ?? '');
  if (e?.keyword === 'required' && params.missingProperty) {
    const f = [at, params.missingProperty].filter(Boolean).join('.');
    throw new PairecError('ERR_MISSING_FIELD', `${f} is required`, { path: f });
  }
  if (e?.keyword === 'additionalProperties' && params.additionalProperty) {
    const f = [at, params.additionalProperty].filter(Boolean).join('.');
    throw new PairecError('ERR_UNKNOWN_FIELD', `${f} is not a field of this request`, { path: f });
  }
  const f = at || '$';
  throw new PairecError('ERR_INVALID_FIELD', `${f} ${e?.message ?? 'is invalid'}`, { path: f });
}
