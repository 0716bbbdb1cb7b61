// The web console (`GET /` and the pages under it): HTML rendered on the server from the read API's
// own answers. A page asks the API in-process (`answerEndpoint`, the same parse, store check and
// handler as `GET /api/v1/…`), so it shows exactly what the API answers and nothing the API could
// not: console/web imports no query and no store client (the import rules check it).
//
//   GET  /login           the form; POST /login trades an API key with the `read` scope for a
//                         session cookie (console/web/sessions.ts), then 303 to `next` (a page path)
//   POST /logout          ends the session
//   GET  /assets/…        ours and the libraries' files (console/web/assets.ts), behind the session
//   GET  /, /transactions, /transactions/:id, /runs/:robot/:result, /robots, /events, /pipeline
//
// Every page and asset needs a session whose key is still known (looked up again on every request:
// a revoked key's sessions end within the key view's 10 s). Every answer carries a
// Content-Security-Policy without inline script or style.
import { createHash } from 'node:crypto';
import * as cookie from 'cookie';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { Histogram, type Registry } from 'prom-client';
import type { AuthFailureGuard } from '../../auth/auth-failures.ts';
import type { AuthenticatedKey, KeyLookup } from '../../auth/key-store.ts';
import { hasScope } from '../../auth/scopes.ts';
import type { Logger } from '../../core/logging.ts';
import { type AnyEndpoint, answerEndpoint, type Refusal } from '../endpoint.ts';
import type { ConsoleStores, StoreHealth } from '../stores.ts';
import { assets, echartsUrl, loginStylesheet, worldMapUrl } from './assets.ts';
import { periodPresets, periodQuery, presetLabels, type ViewPeriod, viewPeriod } from './period.ts';
import { render } from './render.ts';
import type { SessionStore } from './sessions.ts';

/**
 * The session cookie's name: over TLS with the `__Host-` prefix, which browsers accept only from
 * this host with Secure and Path=/, so a sibling subdomain cannot plant a session of its choosing.
 */
export const sessionCookie = 'primoart_session';
const secureSessionCookie = `__Host-${sessionCookie}`;

const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function securityHeaders(_request: Request, response: Response, next: NextFunction): void {
  response.set({
    'Content-Security-Policy': contentSecurityPolicy,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
  next();
}

/** What a page handler gets. */
export interface PageContext {
  request: Request;
  params: Record<string, string>;
  key: AuthenticatedKey;
  period: ViewPeriod;
  /** `console.max_period_days`: the longest period the API answers for. */
  maxPeriodDays: number;
  /** The JSON answer of a read-API operation, as `GET /api/v1/…` would give it; a refusal throws. */
  api<T>(operationId: string, query?: Record<string, unknown>, params?: Record<string, string>): Promise<T>;
  /** A link to `path` that keeps this view's period and zone. */
  href(path: string, extra?: Record<string, string | number | undefined>): string;
}

export interface PageAnswer {
  template: string;
  title: string;
  data: Record<string, unknown>;
}

/** One page of the console (design: console/web/pages/<name>.ts, its template beside the others). */
export interface WebPage {
  /** The `page` label of its metrics, and the navigation entry it lights. */
  name: string;
  /** express path. */
  path: string;
  handle(context: PageContext): Promise<PageAnswer>;
}

/** A refusal of the API a page asked: the page answers with its status and message. */
export class PageRefusal extends Error {
  readonly refusal: Refusal;
  constructor(refusal: Refusal) {
    super(refusal.error.message);
    this.name = 'PageRefusal';
    this.refusal = refusal;
  }
}

export interface WebRouterOptions {
  pages: readonly WebPage[];
  endpoints: readonly AnyEndpoint[];
  keys: KeyLookup;
  sessions: SessionStore;
  stores: ConsoleStores;
  health: StoreHealth;
  logger: Logger;
  metrics: Registry;
  failedAuth?: Pick<AuthFailureGuard, 'check' | 'record'>;
  timeZone: string;
  maxPeriodDays: number;
  sessionTtlMs: number;
  /** Mark the cookie Secure even on plain HTTP (a TLS proxy in front: console.public_url is https). */
  secureCookie: boolean;
  now?: () => Date;
}

/**
 * Where to go after login: a path of this console only. Anything else (`//host`, `/\host`, a
 * scheme, a path no page answers, an API or asset path) goes to the overview.
 */
export function safeNext(next: unknown, pages: readonly WebPage[]): string {
  if (typeof next !== 'string' || next.length > 2048 || !next.startsWith('/') || /^\/[/\\]/.test(next))
    return '/';
  // A control character or backslash: browsers strip or rewrite them, so the URL read here would
  // not be the one followed.
  for (const character of next) {
    const code = character.charCodeAt(0);
    if (code < 0x20 || code === 0x7f || character === '\\') return '/';
  }
  let url: URL;
  try {
    url = new URL(next, 'http://console.invalid');
  } catch {
    return '/';
  }
  if (url.origin !== 'http://console.invalid') return '/';
  const matches = pages.some((page) => pathPattern(page.path).test(url.pathname));
  return matches ? `${url.pathname}${url.search}` : '/';
}

const patterns = new Map<string, RegExp>();
function pathPattern(path: string): RegExp {
  let pattern = patterns.get(path);
  if (pattern === undefined) {
    const source = path
      .split('/')
      .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    pattern = new RegExp(`^${source}$`);
    patterns.set(path, pattern);
  }
  return pattern;
}

const digestOf = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

/**
 * The console's pages, login and assets, and `sessionKey`: the key of a request's session, for the
 * API's GET endpoints (a page's CSV link, a screenshot's `<img>`).
 */
export function webRouter(options: WebRouterOptions): {
  router: Router;
  sessionKey: (request: Request) => AuthenticatedKey | undefined;
} {
  const { sessions, keys, logger } = options;
  const now = options.now ?? (() => new Date());
  const endpoints = new Map(options.endpoints.map((endpoint) => [endpoint.operationId, endpoint]));
  const router = express.Router();
  const durations = new Histogram({
    name: 'primoart_console_page_duration_seconds',
    help: 'Pages of the web console by page and HTTP status code, and how long the server took',
    labelNames: ['page', 'code'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [options.metrics],
  });

  const secureCookieFor = (request: Request) => options.secureCookie || request.secure;
  const cookieName = (request: Request) => (secureCookieFor(request) ? secureSessionCookie : sessionCookie);
  const sessionIdOf = (request: Request): string | undefined => {
    const header = request.get('cookie');
    if (header === undefined) return undefined;
    return cookie.parse(header)[cookieName(request)];
  };

  /** The key of the request's session, if the session lives and its key is still known with `read`. */
  const sessionKey = (request: Request): AuthenticatedKey | undefined => {
    const id = sessionIdOf(request);
    if (id === undefined) return undefined;
    const session = sessions.find(id);
    if (session === undefined) return undefined;
    const key = keys.lookupDigest(session.keyDigest);
    if (key === undefined || !hasScope(key.scopes, 'read')) {
      sessions.end(id);
      logger.info(
        { key_id: session.keyId },
        'console session ended: its key is revoked or lost the read scope',
      );
      return undefined;
    }
    return key;
  };

  const cookieOptions = (request: Request) => ({
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: secureCookieFor(request),
  });

  const sendPage = (response: Response, status: number, template: string, data: Record<string, unknown>) => {
    response.status(status).set('Cache-Control', 'no-store').type('html').send(render(template, data));
  };

  /** Same-origin form posts only: a cross-site page cannot log a browser in or out. */
  const sameOrigin = (request: Request): boolean => {
    const site = request.get('sec-fetch-site');
    if (site !== undefined) return site === 'same-origin' || site === 'none';
    const origin = request.get('origin');
    if (origin === undefined) return true;
    return origin === `${request.protocol}://${request.get('host')}`;
  };

  router.get(loginStylesheet.url, securityHeaders, (_request, response) => {
    response.set('Cache-Control', 'no-cache').type('css').sendFile(loginStylesheet.file);
  });

  const loginPage = (response: Response, status: number, next: string, message?: string) =>
    sendPage(response, status, 'login', { title: 'Log in', next, message, stylesheet: loginStylesheet.url });

  router.get('/login', securityHeaders, (request, response) => {
    const next = safeNext(request.query.next, options.pages);
    if (sessionKey(request) !== undefined) {
      response.redirect(303, next);
      return;
    }
    loginPage(response, 200, next);
  });

  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
  router.post('/login', securityHeaders, form, (request, response) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next, options.pages);
    if (!sameOrigin(request)) {
      loginPage(response, 403, next, 'This form must be sent from the console’s own page.');
      return;
    }
    // An address that failed too often is refused before its key is looked at: while throttled, a
    // right guess gets in no more than a wrong one.
    const source = request.ip ?? request.socket.remoteAddress ?? 'unknown';
    const throttle = options.failedAuth?.check(source) ?? { allowed: true };
    if (!throttle.allowed) {
      response.set('Retry-After', String(throttle.retryAfterSeconds));
      loginPage(
        response,
        429,
        next,
        `Too many failed logins from this address: try again in ${throttle.retryAfterSeconds} s.`,
      );
      return;
    }
    const presented = typeof body.key === 'string' ? body.key.trim() : '';
    const key = presented === '' || presented.length > 512 ? undefined : keys.lookup(presented);
    if (key === undefined) {
      options.failedAuth?.record(
        presented === ''
          ? { source, reason: 'missing_key', keyId: undefined }
          : { source, ...keys.explain(presented) },
      );
      loginPage(response, 401, next, 'This key is not accepted: unknown or revoked.');
      return;
    }
    if (!hasScope(key.scopes, 'read')) {
      loginPage(
        response,
        403,
        next,
        'This key lacks the read scope: the console needs a key made with --scope read.',
      );
      return;
    }
    // A login replaces the browser's session, if it had one.
    const previous = sessionIdOf(request);
    if (previous !== undefined) sessions.end(previous);
    const id = sessions.create(digestOf(presented), key.id);
    logger.info({ key_id: key.id }, 'console session opened');
    response.cookie(cookieName(request), id, { ...cookieOptions(request), maxAge: options.sessionTtlMs });
    response.redirect(303, next);
  });

  router.post('/logout', securityHeaders, (request, response) => {
    if (!sameOrigin(request)) {
      response.status(403).type('text').send('cross-site logout refused');
      return;
    }
    const id = sessionIdOf(request);
    if (id !== undefined) sessions.end(id);
    response.clearCookie(cookieName(request), cookieOptions(request));
    response.redirect(303, '/login');
  });

  // Assets: behind the session too (a 401, not a redirect: a browser loads them from a page).
  router.get('/assets/*path', securityHeaders, (request, response) => {
    if (sessionKey(request) === undefined) {
      response.status(401).type('text').send('log in first');
      return;
    }
    const asset = assets.get(request.path);
    if (asset === undefined) {
      response.status(404).type('text').send('no such asset');
      return;
    }
    response.set(
      'Cache-Control',
      asset.immutable ? 'private, max-age=31536000, immutable' : 'private, no-cache',
    );
    response.type(asset.type);
    if (asset.content !== undefined) response.send(asset.content());
    else response.sendFile(asset.file as string);
  });

  for (const page of options.pages) {
    router.get(page.path, securityHeaders, (request, response, next) => {
      const end = durations.startTimer({ page: page.name });
      response.once('finish', () => end({ code: String(response.statusCode) }));
      const key = sessionKey(request);
      if (key === undefined) {
        response.redirect(303, `/login?next=${encodeURIComponent(request.originalUrl)}`);
        return;
      }
      servePage(page, request, response, key).catch(next);
    });
  }

  const servePage = async (page: WebPage, request: Request, response: Response, key: AuthenticatedKey) => {
    const period = viewPeriod(request.query as Record<string, unknown>, {
      now: now(),
      defaultTz: options.timeZone,
      maxPeriodDays: options.maxPeriodDays,
    });
    const context: PageContext = {
      request,
      params: request.params as Record<string, string>,
      key,
      period,
      maxPeriodDays: options.maxPeriodDays,
      async api<T>(
        operationId: string,
        query: Record<string, unknown> = {},
        params: Record<string, string> = {},
      ) {
        const endpoint = endpoints.get(operationId);
        if (endpoint === undefined) throw new Error(`no endpoint ${operationId}`);
        const strings = Object.fromEntries(
          Object.entries(query)
            .filter(([, value]) => value !== undefined && value !== '')
            .map(([name, value]) => [name, value instanceof Date ? value.toISOString() : String(value)]),
        );
        const answer = await answerEndpoint(endpoint, { query: strings, params }, key, options);
        if (answer.status !== 200) throw new PageRefusal(answer as Refusal);
        return (answer as { body: T }).body;
      },
      href: (path, extra) => `${path}?${periodQuery(period, extra)}`,
    };
    const common = {
      nav: page.name,
      period,
      presets: periodPresets.map((preset) => ({ preset, label: presetLabels[preset] })),
      keyName: key.name,
      href: context.href,
      path: request.path,
      echartsUrl,
      worldMapUrl,
    };
    try {
      const answer = await page.handle(context);
      sendPage(response, 200, answer.template, { ...common, ...answer.data, title: answer.title });
    } catch (error) {
      if (!(error instanceof PageRefusal)) throw error;
      const { status, error: body } = error.refusal;
      if (error.refusal.headers !== undefined) response.set(error.refusal.headers);
      sendPage(response, status, 'refusal', {
        ...common,
        title: status === 404 ? 'Not found' : status === 503 ? 'A store is down' : 'Cannot show this page',
        status,
        message: body.message,
        fields: body.fields ?? [],
      });
    }
  };

  // Any other page path: the login for a stranger, a 404 page for a user.
  router.get(/^\/(?!api\/|-\/|metrics$).*/, securityHeaders, (request, response) => {
    const key = sessionKey(request);
    if (key === undefined) {
      response.redirect(303, '/login');
      return;
    }
    const period = viewPeriod(
      {},
      { now: now(), defaultTz: options.timeZone, maxPeriodDays: options.maxPeriodDays },
    );
    sendPage(response, 404, 'refusal', {
      nav: '',
      period,
      presets: [],
      keyName: key.name,
      href: (path: string) => `${path}?${periodQuery(period)}`,
      path: request.path,
      title: 'Not found',
      status: 404,
      message: `There is no page at ${request.path}.`,
      fields: [],
    });
  });

  return { router, sessionKey };
}
