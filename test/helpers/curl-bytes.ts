import { connect } from 'node:net';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The bytes curl 8 sends for `curl http://127.0.0.1:PORT/path -d 'BODY'` (a form
 * content type, headers in curl's order), or for a plain `curl URL` (GET) without `body`.
 */
export function curlBytes(port: number, path: string, body?: string): string {
  const head = [`${body === undefined ? 'GET' : 'POST'} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'User-Agent: curl/8.5.0', 'Accept: */*'];
  if (body !== undefined) head.push(`Content-Length: ${Buffer.byteLength(body)}`, 'Content-Type: application/x-www-form-urlencoded');
  return `${head.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

/** Writes raw request bytes on a new loopback connection and reads one response (Content-Length framed). */
export function rawRequest(port: number, bytes: string | Buffer, timeoutMs = 15_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer in ${timeoutMs} ms: ${data.toString('latin1')}`));
    }, timeoutMs);
    const finish = (answer: HttpAnswer): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = data.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1]);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      const length = Number(headers['content-length'] ?? NaN);
      const body = data.subarray(end + 4);
      if (Number.isFinite(length) && body.length >= length) finish({ status, headers, body: body.subarray(0, length).toString('utf8') });
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`connection closed before a complete answer: ${data.toString('latin1')}`));
    });
  });
}
