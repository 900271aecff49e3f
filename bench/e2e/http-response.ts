/**
 * Reads HTTP/1.1 responses off one keep-alive connection, chunk by chunk, and returns the
 * status of each complete one. Only what a benchmark against this server needs:
 * responses framed by Content-Length (fastify always sends it for JSON); a response
 * without it is reported as status 0 (an error) and the reader stops.
 *
 * Hand-written for the open-loop generator: undici's per-request cost (promises,
 * header objects, body streams) took a visible share of the two cores the server
 * shares with it, so the generator slowed the server it measured.
 */
export class ResponseReader {
  #buf: Buffer = Buffer.alloc(0);
  /** Body bytes still to skip for the current response; -1 while reading headers. */
  #remaining = -1;
  #status = 0;
  #broken = false;

  get broken(): boolean {
    return this.#broken;
  }

  /** Feeds bytes; returns the statuses of the responses they complete, in order. */
  push(chunk: Buffer): number[] {
    const done: number[] = [];
    if (this.#broken) return done;
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    for (;;) {
      if (this.#remaining < 0) {
        const end = this.#buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = this.#buf.toString('latin1', 0, end);
        this.#buf = this.#buf.subarray(end + 4);
        const status = Number(head.slice(9, 12));
        const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
        if (!head.startsWith('HTTP/1.') || !Number.isInteger(status) || !length) {
          this.#broken = true;
          done.push(0);
          break;
        }
        this.#status = status;
        this.#remaining = Number(length[1]);
      }
      if (this.#buf.length < this.#remaining) {
        this.#remaining -= this.#buf.length;
        this.#buf = Buffer.alloc(0);
        break;
      }
      this.#buf = this.#buf.subarray(this.#remaining);
      this.#remaining = -1;
      done.push(this.#status);
    }
    return done;
  }
}
