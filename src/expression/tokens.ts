/**
 * The one tokenizer of the expression language. Names may be dotted and dashed
 * (`ctr_model.probs_ctr`) or braced as in PaiRec's RankScore (`${ctr_model}`); strings
 * take single or double quotes and no escapes (nothing a filter needs, nothing to get
 * wrong); anything else is refused where it stands.
 */
export type Token =
  | { readonly t: 'num'; readonly v: number; readonly at: number }
  | { readonly t: 'str'; readonly v: string; readonly at: number }
  | { readonly t: 'name'; readonly v: string; readonly at: number }
  | { readonly t: 'op'; readonly v: string; readonly at: number };

// Two-character operators first, so `<=` is not read as `<` then `=`.
const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '+', '-', '*', '/', '^', '(', ')', '[', ']', ','];
// Sticky: each matches at `lastIndex` only, so no copy of the rest of the source per token.
const SPACE = /\s+/y;
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][\w.-]*/y;
const BRACED = /\$\{([A-Za-z_][\w.-]*)\}/y;
const STRING = /"([^"\\]*)"|'([^'\\]*)'/y;

function match(re: RegExp, src: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(src);
}

/** Splits `src`; `fail` reports a character that starts no token (it throws). */
export function tokenize(src: string, fail: (at: number, why: string) => never): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const space = match(SPACE, src, i);
    if (space) {
      i += space[0].length;
      continue;
    }
    const num = match(NUMBER, src, i);
    const name = match(NAME, src, i) ?? match(BRACED, src, i);
    const str = match(STRING, src, i);
    const op = OPS.find((o) => src.startsWith(o, i));
    if (num) out.push({ t: 'num', v: Number(num[0]), at: i });
    else if (name) out.push({ t: 'name', v: name[1] ?? name[0], at: i });
    else if (str) out.push({ t: 'str', v: str[1] ?? (str[2] as string), at: i });
    else if (op) out.push({ t: 'op', v: op, at: i });
    else if (src[i] === '$') fail(i, 'expected ${name}');
    else fail(i, `unexpected "${src[i] as string}"`);
    i += (num ?? name ?? str)?.[0].length ?? (op as string).length;
  }
  return out;
}
