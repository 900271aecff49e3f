import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import type { Socket } from 'node:net';
import { cancelOnConnectionClose } from '../../src/server/connection-work.js';

/** A connected pair over loopback: the server's side of it and the client. */
async function pair(): Promise<{ server: Socket; client: Socket; close: () => void }> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  const accepted = once(srv, 'connection') as Promise<[Socket]>;
  const client = connect(port, '127.0.0.1');
  const [server] = await accepted;
  return { server, client, close: () => srv.close() };
}

describe('cancelOnConnectionClose', () => {
  it('cancels every request still running on a connection when it closes, once each, and none it was told to forget', async () => {
    const { server, client, close } = await pair();
    const calls: string[] = [];
    const forgetA = cancelOnConnectionClose(server, () => calls.push('a'));
    cancelOnConnectionClose(server, () => calls.push('b'));
    cancelOnConnectionClose(server, () => calls.push('c'));
    forgetA(); // answered before the client left
    assert.equal(server.listenerCount('close'), 1, 'one listener per connection, whatever the requests on it');
    client.destroy();
    await once(server, 'close');
    assert.deepEqual(calls.sort(), ['b', 'c']);
    close();
  });

  it('cancels at once on a connection already closed, and does nothing without one', async () => {
    const { server, client, close } = await pair();
    client.destroy();
    await once(server, 'close');
    let n = 0;
    cancelOnConnectionClose(server, () => n++);
    assert.equal(n, 1);
    cancelOnConnectionClose(undefined, () => n++)();
    assert.equal(n, 1);
    close();
  });
});
