/**
 * One backend instance: a real HTTP server on 127.0.0.1 for one Ready pod. It answers every path
 * after the pod's latency (only while over its capacity, when it has one), with 500 for the pod's share of errors and 200 otherwise, and stops
 * (connections refused, open ones cut) when the pod stops being Ready, as a dead process would.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knobs } from './knobs';
import type { Origin, RequestMetrics } from './metrics';

export class Instance {
  readonly origin: Origin;
  private knobs: Knobs;
  private readonly metrics: RequestMetrics;
  private readonly random: () => number;
  private server: Server | undefined;
  /** The port it listens on, or last listened on: kept so that it comes back on the same one. */
  port: number | undefined;

  /** Whether a Service of the instance's namespace has a ready endpoint (its upstream knob). */
  private readonly upstreamReady: (service: string) => boolean;

  constructor(
    origin: Origin,
    knobs: Knobs,
    metrics: RequestMetrics,
    random: () => number = Math.random,
    upstreamReady: (service: string) => boolean = () => true,
  ) {
    this.upstreamReady = upstreamReady;
    this.origin = origin;
    this.knobs = knobs;
    this.metrics = metrics;
    this.random = random;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** Takes effect from the next request on. */
  setKnobs(knobs: Knobs): void {
    this.knobs = knobs;
  }

  /**
   * Listens on its former port if it had one and it is free, else on a port the OS picks.
   * @returns the port.
   */
  async start(): Promise<number> {
    if (this.server && this.port !== undefined) return this.port;
    const server = createServer((req, res) => this.answer(req, res));
    server.keepAliveTimeout = 5_000;
    let port: number;
    try {
      port = await listen(server, this.port ?? 0);
    } catch (error) {
      if (this.port === undefined || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      port = await listen(server, 0);
    }
    this.server = server;
    this.port = port;
    return port;
  }

  /** Closes the port and every open connection at once. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Arrival times (ms) of the requests of the last second, oldest first. */
  private readonly arrivals: number[] = [];

  /** True when the last second's requests, this one included, are more than the capacity. */
  private overloaded(capacityRps: number): boolean {
    const now = Date.now();
    this.arrivals.push(now);
    while (this.arrivals.length > 0 && this.arrivals[0]! <= now - 1_000) this.arrivals.shift();
    return capacityRps === 0 || this.arrivals.length > capacityRps;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    const { errorRate, capacityRps } = this.knobs;
    const latencyMs = this.overloaded(capacityRps) ? this.knobs.latencyMs : 0;
    const upstream = this.knobs.upstream;
    const code =
      upstream && !this.upstreamReady(upstream)
        ? 503
        : errorRate > 0 && this.random() < errorRate
          ? 500
          : 200;
    res.on('finish', () => {
      this.metrics.observe(this.origin, code, Number(process.hrtime.bigint() - started) / 1e9);
    });
    req.resume();
    const reply = () => {
      if (res.destroyed) return;
      const body = JSON.stringify({ ...this.origin, code });
      res.writeHead(code, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-lab-pod': this.origin.pod,
      });
      res.end(body);
    };
    if (latencyMs > 0) setTimeout(reply, latencyMs).unref();
    else reply();
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
