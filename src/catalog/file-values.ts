/**
 * An embedding written as text in a CSV cell: numbers separated by commas, semicolons,
 * spaces or `|`, optionally inside brackets (`[0.1, 0.2]`, what most exports print).
 * Returns the numbers, or why the text is not an embedding (an empty item, a word, a
 * non-finite value): never a zero in place of a value that could not be read.
 */
const SEPARATORS = /[\s,;|]+/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseEmbeddingText(text: string): number[] | string {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1).trim();
  if (t === '') return 'empty embedding';
  const parts = t.split(SEPARATORS);
  const out = new Array<number>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? '';
    if (!NUMBER.test(p)) return `embedding value ${i} is "${p}", not a finite number`;
    out[i] = Number(p);
  }
  return out;
}
