/**
 * Preloaded into a child process (`node --import`): the first TCP connection or
 * listening socket it attempts ends it at once with exit status 97 and says what was
 * attempted on stderr. A test proves with it that a command contacts nothing and opens
 * no port: every client (ioredis, pg, mysql2, fetch, gRPC) and server goes through these two.
 */
import net from 'node:net';

/** Exit status of a process the guard stopped (importing this module installs it, so tests write 97 themselves). */
const NETWORK_USED_EXIT = 97;

function refuse(what: string): never {
  process.stderr.write(`no-network guard: ${what}\n`);
  process.exit(NETWORK_USED_EXIT);
}

const describe = (args: unknown[]): string => {
  try {
    return JSON.stringify(args.filter((a) => typeof a !== 'function'));
  } catch {
    return '(arguments)';
  }
};

const socket = net.Socket.prototype as unknown as { connect: (...args: unknown[]) => unknown };
socket.connect = (...args: unknown[]): never => refuse(`connect ${describe(args)}`);
const server = net.Server.prototype as unknown as { listen: (...args: unknown[]) => unknown };
server.listen = (...args: unknown[]): never => refuse(`listen ${describe(args)}`);
