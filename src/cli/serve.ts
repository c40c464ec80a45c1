import type { Command } from 'commander';
import type { ConfigOverrides } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { exitCodes } from './output/exit-codes.ts';

interface ServeOptions {
  home?: string;
  host?: string;
  port?: string;
  model?: string;
  json?: boolean;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the daemon in the foreground')
    .option('--host <host>', 'address to bind (DESKPILOT_HOST)', undefined)
    .option('--port <port>', 'port to listen on (DESKPILOT_PORT, default 7878)')
    .option('--model <provider:model>', 'default model for runs that name none (DESKPILOT_MODEL)')
    .option('--json', 'log one JSON object per line (DESKPILOT_LOG_FORMAT=json)')
    // `--home` is a global option, since the other commands read the key from the data dir too.
    .action(async (_options: ServeOptions, command: Command) => {
      await serveCommand(command.optsWithGlobals<ServeOptions>());
    });
}

async function serveCommand(options: ServeOptions): Promise<void> {
  try {
    await runDaemon(options);
  } catch (error) {
    const problem = startupProblem(error, options);
    if (problem === null) throw error;
    process.stderr.write(`deskpilot serve: ${problem}\n`);
    process.exit(exitCodes.usage);
  }
}

/**
 * What a user can fix about a daemon that would not start, in words: a bad setting, or a port
 * that is taken. Anything else is a fault of deskpilot's and keeps its stack trace.
 */
function startupProblem(error: unknown, options: ServeOptions): string | null {
  if (error instanceof ConfigError) return error.message;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = `port ${options.port ?? process.env['DESKPILOT_PORT'] ?? 7878}`;
  if (code === 'EADDRINUSE') return `${where} is in use; choose another with --port`;
  if (code === 'EACCES') return `${where} needs privileges; choose one above 1024 with --port`;
  if (code === 'EADDRNOTAVAIL') return `the address to bind is not on this machine (--host)`;
  return null;
}

async function runDaemon(options: ServeOptions): Promise<void> {
  // Loaded here rather than at the top so that every other command starts without the daemon's
  // native modules (SQLite, image codecs).
  const [{ loadConfig }, { createDaemon }, { createLogger }, backends, models, viewer] =
    await Promise.all([
      import('../config.ts'),
      import('../daemon.ts'),
      import('../log.ts'),
      import('../machines/backends.ts'),
      import('../models/providers.ts'),
      import('../viewer/site.ts'),
    ]);
  if (options.json) process.env['DESKPILOT_LOG_FORMAT'] = 'json';
  const overrides: ConfigOverrides = {
    ...(options.home ? { home: options.home } : {}),
    ...(options.host ? { host: options.host } : {}),
    ...(options.port ? { port: Number(options.port) } : {}),
    ...(options.model ? { model: options.model } : {}),
  };
  const config = loadConfig(overrides);
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  if (config.desktop === 'fake') {
    log.warn(
      {},
      'machines are in-memory fakes (DESKPILOT_DESKTOP=fake): nothing is seen or driven',
    );
  }

  const daemon = createDaemon({
    config,
    log,
    backend: await backends.displayBackendFor(config, log),
    providers: models.defaultProviders(config, log),
    site: viewer.createViewerSite({ apiKey: config.apiKey }),
  });
  await daemon.start();
  const { url } = await daemon.listen().catch(async (error: unknown) => {
    await daemon.stop();
    throw error;
  });
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
