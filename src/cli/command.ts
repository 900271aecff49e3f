import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { PairecError } from '../errors.js';

/** One option of a sub-command: node:util parseArgs' description plus its help line. */
export interface CommandOption {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly default?: string | boolean;
  /** Must be given (a usage error otherwise). */
  readonly required?: boolean;
  /** What the value is, in the help ("FILE", "N"); string options only. */
  readonly value?: string;
  readonly help: string;
}

export type CommandOptions = Readonly<Record<string, CommandOption>>;

type ValueOf<Op extends CommandOption> = Op['type'] extends 'boolean' ? boolean : string;

/** Parsed option values by option name: always there when required or defaulted, else possibly absent. */
export type OptionValues<O extends CommandOptions> = {
  readonly [K in keyof O]: O[K] extends { readonly required: true } | { readonly default: string | boolean } ? ValueOf<O[K]> : ValueOf<O[K]> | undefined;
};

/** What a sub-command does once its options are parsed: an exit code, or undefined to keep the process running. */
export type CommandRun<O extends CommandOptions> = (values: OptionValues<O>) => Promise<number | undefined>;

export interface CommandSpec<O extends CommandOptions> {
  readonly name: string;
  readonly summary: string;
  readonly options: O;
  /** Paragraphs after the option list: what the command reads, its exit statuses. */
  readonly notes?: string;
  /**
   * Loads the implementation. Imported on use: `pairec --help` and a command's `--help`
   * do not pay for every command's dependencies (ONNX runtime, gRPC, the server).
   */
  readonly load: () => Promise<CommandRun<O>>;
}

/** A `pairec` sub-command as the dispatcher sees it. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly options: CommandOptions;
  readonly notes?: string;
  /** Parses `argv` (usage errors throw ERR_USAGE) and runs the command. */
  run(argv: readonly string[]): Promise<number | undefined>;
}

/** A usage error: the command line is wrong (exit status 2), not the work it asked for. */
export const usageError = (message: string): PairecError => new PairecError('ERR_USAGE', message);

const flag = (name: string, o: CommandOption): string => `--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;

/**
 * parseArgs with its own errors (unknown option, missing value, stray argument) and a
 * missing required option as usage errors, naming the option.
 */
function parse<O extends CommandOptions>(options: O, argv: readonly string[]): OptionValues<O> {
  let values: Readonly<Record<string, unknown>>;
  try {
    values = parseArgs({ args: [...argv], options: options as NonNullable<ParseArgsConfig['options']>, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) throw usageError((err as Error).message);
    throw err;
  }
  const missing = Object.entries(options).filter(([k, o]) => o.required === true && values[k] === undefined);
  if (missing.length > 0) throw usageError(`${missing.map(([k, o]) => flag(k, o)).join(', ')} required`);
  // parseArgs gave each option the type its description says (checked above for the required ones).
  return values as OptionValues<O>;
}

export function defineCommand<O extends CommandOptions>(spec: CommandSpec<O>): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    options: spec.options,
    ...(spec.notes === undefined ? {} : { notes: spec.notes }),
    run: async (argv) => {
      const values = parse(spec.options, argv);
      const run = await spec.load();
      return run(values);
    },
  };
}

/** `pairec NAME --help`: usage line, summary, one line per option (with its default), notes. */
export function helpText(c: Command): string {
  const entries = Object.entries(c.options);
  const synopsis = entries.map(([n, o]) => (o.required ? flag(n, o) : `[${flag(n, o)}]`)).join(' ');
  const width = Math.max(...entries.map(([n, o]) => flag(n, o).length + (o.short ? 4 : 0)), 10);
  const lines = entries.map(([n, o]) => {
    const left = `${o.short ? `-${o.short}, ` : ''}${flag(n, o)}`;
    const dflt = o.default === undefined || o.default === false ? '' : ` (default: ${String(o.default)})`;
    return `  ${left.padEnd(width + 2)}${o.help}${dflt}`;
  });
  const help = `  ${'-h, --help'.padEnd(width + 2)}print this help and exit`;
  return [`usage: pairec ${c.name} ${synopsis}`.trimEnd(), '', c.summary, '', 'options:', ...lines, help, ...(c.notes ? ['', c.notes] : []), ''].join('\n');
}
