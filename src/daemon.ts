import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { AgentLoopOptions } from './agent/agent-loop.ts';
import { createApp } from './api/app.ts';
import type { DaemonConfig } from './config.ts';
import { EventBus } from './events/event-bus.ts';
import type { DisplayBackend } from './machines/machine.ts';
import { MachineRegistry } from './machines/machine-registry.ts';
import { ModelRegistry, type ModelProvider } from './models/model-registry.ts';
import { replayProvider } from './models/replay/index.ts';
import { RunLifecycle } from './runs/lifecycle.ts';
import { RunService } from './runs/run-service.ts';
import { SqliteRunStore } from './store/sqlite-store.ts';
import { version } from './version.ts';
import { WebhookSender, type WebhookSenderOptions } from './webhooks/webhook-sender.ts';

export interface DaemonParts {
  config: DaemonConfig;
  backend: DisplayBackend;
  providers: ModelProvider[];
  log: Logger;
  loopOptions?: AgentLoopOptions;
  webhooks?: Omit<WebhookSenderOptions, 'secret'>;
  pingMs?: number;
  site?: Hono;
}

export interface Daemon {
  app: Hono;
  runs: RunService;
  store: SqliteRunStore;
  machines: MachineRegistry;
  /** Recovers stored runs and starts delivering webhooks; does not listen. */
  start(): Promise<void>;
  /** Listens on the configured host and port; resolves with the port actually bound. */
  listen(): Promise<{ port: number; url: string }>;
  stop(): Promise<void>;
}

/** Wires the daemon together. Each part is built here and nowhere else. */
export function createDaemon(parts: DaemonParts): Daemon {
  const { config, log } = parts;
  const store = new SqliteRunStore(config.home);
  const bus = new EventBus();
  const lifecycle = new RunLifecycle(store, bus, log);
  const machines = new MachineRegistry(parts.backend, log);
  // Replays read earlier runs from this daemon's own store, so they are added once it exists.
  const models = new ModelRegistry([...parts.providers, replayProvider(store)]);
  const runs = new RunService({
    store,
    lifecycle,
    bus,
    machines,
    models,
    defaultModel: config.defaultModel,
    verifierModel: config.verifierModel,
    log,
    ...(parts.loopOptions ? { loopOptions: parts.loopOptions } : {}),
  });
  const webhooks = new WebhookSender(store, bus, log, {
    secret: config.webhookSecret,
    ...parts.webhooks,
  });
  const app = createApp({
    runs,
    store,
    bus,
    machines,
    log,
    apiKey: config.apiKey,
    webhookSecret: config.webhookSecret,
    allowedHosts: config.allowedHosts,
    version,
    ...(parts.pingMs ? { pingMs: parts.pingMs } : {}),
    ...(parts.site ? { site: parts.site } : {}),
  });

  let server: ServerType | null = null;

  return {
    app,
    runs,
    store,
    machines,
    async start() {
      await runs.recover();
      webhooks.start();
    },
    listen() {
      return new Promise((resolve, reject) => {
        server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
          const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
          resolve({ port: info.port, url: `http://${host}:${info.port}` });
        });
        server.once('error', reject);
      });
    },
    async stop() {
      await runs.stop();
      await webhooks.stop();
      await new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        // Open event streams would hold close() forever; they end with the process anyway.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await machines.closeAll();
      store.close();
      log.info({}, 'daemon stopped');
    },
  };
}
