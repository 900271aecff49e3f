#!/usr/bin/env node
import { isPairecError } from '../errors.js';
import type { Command } from './command.js';
import { serveCommand } from './serve.js';
import { genDemoCommand } from './gen-demo.js';
import { vectorServerCommand } from './vector-server.js';
import { modelServerCommand } from './model-server.js';
import { profileCommand } from './profile.js';

const COMMANDS: ReadonlyMap<string, Command> = new Map([serveCommand, genDemoCommand, vectorServerCommand, modelServerCommand, profileCommand].map((c) => [c.name, c]));

function usage(): string {
  const lines = [...COMMANDS.values()].map((c) => `  ${c.usage}\n      ${c.summary}`);
  return `usage: pairec <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: readonly string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS.get(name);
  if (!command) {
    process.stderr.write(`unknown command "${name}"\n${usage()}`);
    return 1;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    const msg = isPairecError(err) ? `${err.code} ${err.message}` : err instanceof Error ? err.message : String(err);
    process.stderr.write(`pairec: ${msg}\n`);
    process.exitCode = 1;
  },
);
