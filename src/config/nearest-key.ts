import { distance } from 'fastest-levenshtein';

/**
 * The known key a mistyped one most likely meant: the same letters in another case, or the
 * nearest by edit distance when that is small for the key's length (a third of it, at
 * least one edit; none for keys under four letters, where one edit is a different word)
 * — `RecalCount` → `RecallCount`, `filterNames` → `FilterNames`. None when nothing is that
 * close: a key from elsewhere gets no misleading guess.
 */
export function nearestKey(key: string, known: Iterable<string>): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = (key.length < 4 ? 0 : Math.max(1, Math.floor(key.length / 3))) + 1;
  for (const k of known) {
    if (k === key) continue;
    const d = k.toLowerCase() === lower ? 0 : distance(k, key);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** "unknown key", with the nearest known key when there is one. */
export function unknownKey(key: string, known: Iterable<string>): string {
  const near = nearestKey(key, known);
  return near === undefined ? 'unknown key' : `unknown key (did you mean "${near}"?)`;
}
