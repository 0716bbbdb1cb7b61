// The HTTP side every process has: self-monitoring endpoints in Prometheus's style, a gate that
// keeps component routes closed until ready and after shutdown began, and binding with a clear error.
import { once } from 'node:events';
import type { Server } from 'node:http';
import express, { type Application, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { parseHostPort } from './config-schema.ts';

export interface ProcessAppOptions {
  name: string;
  registry: Registry;
  isReady(): boolean;
}

/** An express app answering `/-/healthy`, `/-/ready` and `/metrics`. */
export function createProcessApp(options: ProcessAppOptions): Application {
  const { name, registry, isReady } = options;
  const app = express();
  app.disable('x-powered-by');
  app.get('/-/healthy', (_req, res) => {
    res.type('text/plain').send(`PrimoART ${name} is Healthy.\n`);
  });
  app.get('/-/ready', (_req, res) => {
    if (isReady()) res.type('text/plain').send(`PrimoART ${name} is Ready.\n`);
    else res.status(503).type('text/plain').send(`PrimoART ${name} is not ready.\n`);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return app;
}

/**
 * Counts requests to component routes so shutdown can wait for them, and answers 503 with
 * Retry-After while the component is not accepting work (a robot then retries later).
 */
export class WorkGate {
  private open = false;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  setOpen(open: boolean): void {
    this.open = open;
  }

  get requestsInFlight(): number {
    return this.inFlight;
  }

  readonly middleware = (_req: Request, res: Response, next: NextFunction): void => {
    if (!this.open) {
      res
        .set('Retry-After', '1')
        .status(503)
        .json({ error: `${this.name} is not accepting requests right now` });
      return;
    }
    this.inFlight++;
    res.once('close', () => {
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    });
    next();
  };

  /** Resolves once no request to a component route is in progress. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/** Last resort for errors a component's routes did not handle: log it, answer without a stack trace. */
/** A request no route answered: JSON like every other answer, not Express's HTML page. */
export function notFoundResponder(req: Request, res: Response): void {
  res.status(404).json({ error: 'not_found', message: `no ${req.method} ${req.path} here` });
}

export function errorResponder(logger: Logger) {
  return (error: unknown, req: Request, res: Response, next: NextFunction): void => {
    const status = httpStatusOf(error);
    if (status >= 500) logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) {
      next(error);
      return;
    }
    const exposed = status < 500 && error instanceof Error;
    res.status(status).json({ error: exposed ? error.message : 'internal error' });
  };
}

function httpStatusOf(error: unknown): number {
  const candidate = (error as { status?: unknown; statusCode?: unknown } | null) ?? {};
  const status = candidate.status ?? candidate.statusCode;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}

/** Binding the port failed; the message is the one line an operator needs. */
export class ListenError extends Error {
  constructor(address: string, cause: unknown) {
    super(`cannot listen on ${address}: ${describeListenError(cause)}`, { cause });
    this.name = 'ListenError';
  }
}

function describeListenError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return 'address already in use';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EADDRNOTAVAIL') return 'address not available on this machine';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name does not resolve';
  return error instanceof Error ? error.message : String(error);
}

/** Binds `host:port` and resolves with the listening server, or rejects with a ListenError. */
export async function listen(app: Application, address: string): Promise<Server> {
  const parsed = parseHostPort(address);
  if (parsed === undefined) throw new ListenError(address, new Error('expected host:port'));
  const server = app.listen({ host: parsed.host, port: parsed.port });
  try {
    // once() rejects when the server emits 'error' first (e.g. EADDRINUSE).
    await once(server, 'listening');
  } catch (error) {
    throw new ListenError(address, error);
  }
  return server;
}

/** The address actually bound, `host:port` (differs from the config when it asked for port 0). */
export function boundAddress(server: Server): string {
  const address = server.address();
  if (address === null || typeof address === 'string') return String(address);
  return address.family === 'IPv6'
    ? `[${address.address}]:${address.port}`
    : `${address.address}:${address.port}`;
}

/** Stops accepting connections and resolves when the server is closed. */
export async function closeServer(server: Server): Promise<void> {
  const closed = once(server, 'close');
  server.close();
  // Idle keep-alive connections would hold close() open until the client lets go.
  server.closeIdleConnections();
  await closed;
}
