/** A `pairec` sub-command. `run` resolves to an exit code, or undefined to keep the process running. */
export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  run(argv: readonly string[]): Promise<number | undefined>;
}
