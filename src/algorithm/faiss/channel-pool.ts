import type { ChannelOptions } from '@grpc/grpc-js';
import { createVectorRetrievalClient } from '../../wire/vector-retrieval.js';
import type { VectorRetrievalClient } from '../../wire/vector-retrieval.js';

/**
 * A fixed pool of channels with round robin: every channel is created once, up front,
 * and no call ever creates one (unlike a pool that dials a new client when it runs dry).
 * Each channel gets its own subchannel pool, so N channels are N HTTP/2 connections —
 * grpc-js would otherwise share one connection between clients of the same address.
 */
export class ChannelPool {
  readonly #clients: readonly VectorRetrievalClient[];
  #next = 0;
  #inFlight = 0;

  constructor(address: string, size: number, maxReconnectBackoffMs: number) {
    const options: ChannelOptions = {
      'grpc.use_local_subchannel_pool': 1,
      // Retries are the engine's job (one layer, inside the deadline); grpc-js's own retry
      // support buffers every call and costs ≈ 0.3 ms per round trip on loopback.
      'grpc.enable_retries': 0,
      // Reconnect quickly after a server restart instead of grpc's default 1 s → 120 s backoff.
      'grpc.initial_reconnect_backoff_ms': Math.min(100, maxReconnectBackoffMs),
      'grpc.max_reconnect_backoff_ms': maxReconnectBackoffMs,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 5_000,
      // A reply larger than this fails the call (RESOURCE_EXHAUSTED) before it is buffered;
      // grpc-js's default, stated so it cannot drift. Top-k replies are a few KiB.
      'grpc.max_receive_message_length': 4 * 1024 * 1024,
    };
    this.#clients = Array.from({ length: size }, () => createVectorRetrievalClient(address, options));
  }

  get size(): number {
    return this.#clients.length;
  }

  /** The next channel in turn. */
  next(): VectorRetrievalClient {
    const client = this.#clients[this.#next] as VectorRetrievalClient;
    this.#next = (this.#next + 1) % this.#clients.length;
    return client;
  }

  /** A search on the next channel, counted in flight until it settles (pairec_pool_active). */
  search(...args: Parameters<VectorRetrievalClient['search']>): ReturnType<VectorRetrievalClient['search']> {
    this.#inFlight++;
    return this.next()
      .search(...args)
      .finally(() => this.#inFlight--);
  }

  /** Calls on the wire across the pool's channels. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Channels by connectivity state; every state is listed, so the series set stays fixed. */
  states(): Record<string, number> {
    const out: Record<string, number> = { idle: 0, connecting: 0, ready: 0, transient_failure: 0, shutdown: 0 };
    for (const c of this.#clients) {
      const s = c.state();
      out[s] = (out[s] ?? 0) + 1;
    }
    return out;
  }

  close(): void {
    for (const c of this.#clients) c.close();
  }
}
