import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Keys and secrets never reach a log line, even if a future change logs a whole object that holds
 * them. Screenshots and typed text are kept out by never logging them in the first place.
 */
const redact = {
  paths: [
    'apiKey',
    'api_key',
    'webhookSecret',
    '*.apiKey',
    '*.authorization',
    '*.headers.authorization',
    '*.headers["x-api-key"]',
  ],
  censor: '[redacted]',
};

export function createLogger(options: { level: string; format: 'json' | 'pretty' }): Logger {
  if (options.format === 'pretty') {
    return pino({
      level: options.level,
      redact,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ level: options.level, redact, base: { service: 'deskpilot' } });
}

/** A logger that writes nothing, for tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
