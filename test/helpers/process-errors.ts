import assert from 'node:assert/strict';

/** Reads pairec_process_errors_total from a running server's /metrics and asserts every kind is 0. */
export async function assertNoProcessErrors(url: string): Promise<void> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const series = [...text.matchAll(/^pairec_process_errors_total\{kind="([a-z_]+)"\} (\S+)$/gm)];
  assert.ok(series.length >= 2, 'the server exports pairec_process_errors_total');
  for (const [, kind, value] of series) assert.equal(Number(value), 0, `no ${kind ?? ''} in the server process`);
}
