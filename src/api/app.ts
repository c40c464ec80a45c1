import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { DeskpilotError, InvalidRequestError, NotFoundError } from '../errors.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { MachineRegistry } from '../machines/machine-registry.ts';
import type { RunService } from '../runs/run-service.ts';
import type { RunStore } from '../store/run-store.ts';
import { openApiDocument } from './openapi.ts';
import { eventsHandler } from './routes/events.ts';
import { machineRoutes } from './routes/machines.ts';
import { runUpdatesHandler } from './routes/run-updates.ts';
import { runRoutes } from './routes/runs.ts';
import { browserSafety, requireApiKey } from './security.ts';

export interface AppDeps {
  runs: RunService;
  store: RunStore;
  bus: EventBus;
  machines: MachineRegistry;
  log: Logger;
  apiKey: string;
  webhookSecret: string;
  allowedHosts: readonly string[];
  version: string;
  /** Idle time before an event stream sends a `: ping` comment. */
  pingMs?: number;
  /** Extra routes mounted at `/` outside `/v1`, such as the web viewer. */
  site?: Hono;
}

const maxBodyBytes = 1024 * 1024;

/** The HTTP API: security checks first, then the routes, and one handler for every error. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();

  app.use('*', requestLog(deps.log));
  app.use('*', browserSafety(deps.allowedHosts));
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new InvalidRequestError('body_too_large', 'the request body is larger than 1 MiB', {
          status: 413,
        });
      },
    }),
  );

  app.get('/v1/health', (c) => c.json({ ok: true, version: deps.version }));
  app.use('/v1/*', requireApiKey(deps.apiKey));

  app.get('/v1/openapi.json', (c) => c.json(openApiDocument(deps.version)));
  app.get('/v1/webhook_secret', (c) =>
    c.json({ object: 'webhook_secret', secret: deps.webhookSecret }),
  );
  const pingMs = deps.pingMs ?? 15_000;
  app.get('/v1/runs/:id/events', eventsHandler(deps, { pingMs }));
  app.get('/v1/events', runUpdatesHandler(deps, { pingMs }));
  app.route('/v1/runs', runRoutes(deps.runs));
  app.route('/v1/machines', machineRoutes(deps.machines));
  if (deps.site) app.route('/', deps.site);

  app.notFound((c) => {
    const error = new NotFoundError(
      'route_not_found',
      `no route for ${c.req.method} ${c.req.path}`,
    );
    return c.json(error.toBody(), 404);
  });
  app.onError((error, c) => {
    if (error instanceof DeskpilotError) {
      return c.json(error.toBody(), error.status as 400);
    }
    deps.log.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed');
    const internal = new DeskpilotError(
      'api_error',
      'internal_error',
      'the daemon failed to handle this request',
    );
    return c.json(internal.toBody(), 500);
  });

  return app;
}

function requestLog(log: Logger): MiddlewareHandler {
  return async function logRequest(c, next) {
    const started = performance.now();
    await next();
    log.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round(performance.now() - started),
      },
      'request',
    );
  };
}
