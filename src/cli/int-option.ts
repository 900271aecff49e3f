import { usageError } from './command.js';

/** An integer command-line option in [min, max], or a usage error that names the option. */
export function intOption(name: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  // Digits only: Number() reads '' and ' ' as 0 and '0x10' as 16.
  const n = /^[+-]?\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw usageError(`--${name} must be an integer ${range}, got ${value}`);
  }
  return n;
}
