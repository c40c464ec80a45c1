import type { Command } from 'commander';
import { loadConfig, type ConfigOverrides } from '../config.ts';
import { createDaemon } from '../daemon.ts';
import { createLogger } from '../log.ts';
import { displayBackendFor } from '../machines/backends.ts';
import { defaultProviders } from '../models/providers.ts';

interface ServeOptions {
  home?: string;
  host?: string;
  port?: string;
  model?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the daemon in the foreground')
    .option('--home <dir>', 'data directory (DESKPILOT_HOME)')
    .option('--host <host>', 'address to bind (DESKPILOT_HOST)', undefined)
    .option('--port <port>', 'port to listen on (DESKPILOT_PORT, default 7878)')
    .option('--model <provider:model>', 'default model for runs that name none (DESKPILOT_MODEL)')
    .action(async (options: ServeOptions) => {
      await serveCommand(options);
    });
}

async function serveCommand(options: ServeOptions): Promise<void> {
  const overrides: ConfigOverrides = {
    ...(options.home ? { home: options.home } : {}),
    ...(options.host ? { host: options.host } : {}),
    ...(options.port ? { port: Number(options.port) } : {}),
    ...(options.model ? { model: options.model } : {}),
  };
  const config = loadConfig(overrides);
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  if (config.desktop === 'fake')
    log.warn(
      {},
      'machines are in-memory fakes (DESKPILOT_DESKTOP=fake): nothing is seen or driven',
    );

  const daemon = createDaemon({
    config,
    log,
    backend: await displayBackendFor(config),
    providers: defaultProviders(config),
  });
  await daemon.start();
  const { url } = await daemon.listen();
  log.info({ url, home: config.home, model: config.defaultModel }, 'daemon listening');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    daemon.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'daemon did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
