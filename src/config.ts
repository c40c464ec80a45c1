import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.ts';

export interface DaemonConfig {
  home: string;
  host: string;
  port: number;
  apiKey: string;
  webhookSecret: string;
  defaultModel: string;
  /**
   * The model that judges v4 runs (`provider:model`); null judges each run with its own model. A
   * separate judge does not share the blind spots of the model that did the work.
   */
  verifierModel: string | null;
  /** Extra names besides loopback that the Host header may carry. */
  allowedHosts: string[];
  /** Which displays back the machines: real X displays, or in-memory fakes for tests. */
  desktop: 'real' | 'fake';
  /**
   * How real displays are captured: nut-js's grab with sharp (fast), or screenshot-desktop (the
   * portable one, slower, kept as a fallback).
   */
  capture: 'grab' | 'screenshot-desktop';
  logLevel: string;
  logFormat: 'json' | 'pretty';
  /** Claude's endpoint and key; null leaves the SDK's own default (api.anthropic.com). */
  anthropic: { apiKey: string | null; baseURL: string | null };
  /** An OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp) for open models. */
  openai: { apiKey: string | null; baseURL: string | null };
  /**
   * Screenshots kept in a model's conversation: the newest `keep` always stay, and older ones
   * are dropped `pruneBatch` at a time so the prompt cache breaks rarely instead of every turn.
   */
  screenshotHistory: { keep: number; pruneBatch: number };
}

export interface ConfigOverrides {
  home?: string;
  host?: string;
  port?: number;
  model?: string;
}

/** The data directory a user would look for: XDG on Linux, the platform's own elsewhere. */
export function defaultHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env['DESKPILOT_HOME']) return env['DESKPILOT_HOME'];
  if (process.platform === 'darwin') {
    return join(homedir(), 'Library', 'Application Support', 'deskpilot');
  }
  if (process.platform === 'win32') {
    return join(env['LOCALAPPDATA'] ?? join(homedir(), 'AppData', 'Local'), 'deskpilot');
  }
  return join(env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), 'deskpilot');
}

const portSchema = z.coerce.number().int().min(0).max(65_535);

/**
 * Reads the daemon's configuration once, from flags over environment over defaults, and fails
 * with the name of the setting when a value is unusable. Creates the data dir and, on first start,
 * the API key and webhook secret files, readable by their owner only.
 */
export function loadConfig(
  overrides: ConfigOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): DaemonConfig {
  const home = overrides.home ?? defaultHome(env);
  mkdirSync(home, { recursive: true, mode: 0o700 });

  const port = portSchema.safeParse(overrides.port ?? env['DESKPILOT_PORT'] ?? 7878);
  if (!port.success) {
    throw new ConfigError('DESKPILOT_PORT (or --port) must be an integer from 0 to 65535');
  }
  const desktop = oneOf(env, 'DESKPILOT_DESKTOP', ['real', 'fake'] as const);
  const capture = oneOf(env, 'DESKPILOT_CAPTURE', ['grab', 'screenshot-desktop'] as const);

  return {
    home,
    host: overrides.host ?? env['DESKPILOT_HOST'] ?? '127.0.0.1',
    port: port.data,
    apiKey: env['DESKPILOT_API_KEY'] || secretFile(join(home, 'api_key'), 'dp_'),
    webhookSecret:
      env['DESKPILOT_WEBHOOK_SECRET'] || secretFile(join(home, 'webhook_secret'), 'whsec_'),
    defaultModel: overrides.model ?? env['DESKPILOT_MODEL'] ?? defaultModelFor(env),
    verifierModel: modelSpec(env, 'DESKPILOT_VERIFIER_MODEL'),
    allowedHosts: (env['DESKPILOT_ALLOWED_HOSTS'] ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    desktop,
    capture,
    logLevel: env['DESKPILOT_LOG_LEVEL'] ?? 'info',
    logFormat: logFormat(env),
    anthropic: {
      apiKey: env['ANTHROPIC_API_KEY'] || null,
      baseURL: env['ANTHROPIC_BASE_URL'] || null,
    },
    openai: { apiKey: env['OPENAI_API_KEY'] || null, baseURL: env['OPENAI_BASE_URL'] || null },
    screenshotHistory: {
      keep: positiveInt(env, 'DESKPILOT_KEEP_SCREENSHOTS', 3),
      pruneBatch: positiveInt(env, 'DESKPILOT_SCREENSHOT_PRUNE_BATCH', 10),
    },
  };
}

/** The variable's value if it is one of `choices`; the first choice when it is unset. */
function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, choices: readonly T[]): T {
  const value = env[name] || choices[0]!;
  if (!choices.includes(value as T)) {
    throw new ConfigError(`${name} must be one of ${choices.map((c) => `"${c}"`).join(', ')}`);
  }
  return value as T;
}

/**
 * A `provider:model` setting, or null when unset. Only its shape is checked here; whether the
 * provider can make the model (a key, an endpoint) is checked when the daemon is built.
 */
function modelSpec(env: NodeJS.ProcessEnv, name: string): string | null {
  const value = env[name]?.trim();
  if (!value) return null;
  if (!/^[a-z][\w-]*:\S/.test(value)) {
    throw new ConfigError(
      `${name} must be provider:model, such as anthropic:claude-opus-5-5; got "${value}"`,
    );
  }
  return value;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(`${name} must be a positive integer`);
  return value;
}

// Sonnet 4.5 is retired on the Claude API (SDK 1.15 dropped its ids); Sonnet 5.5 is the current
// Sonnet and speaks the generally available computer toolset.
function defaultModelFor(env: NodeJS.ProcessEnv): string {
  if (env['ANTHROPIC_API_KEY']) return 'anthropic:claude-sonnet-5-5';
  if (env['OPENAI_BASE_URL']) return 'openai-compatible:ui-tars-1.5';
  return 'anthropic:claude-sonnet-5-5';
}

function logFormat(env: NodeJS.ProcessEnv): 'json' | 'pretty' {
  const format = env['DESKPILOT_LOG_FORMAT'];
  if (format === 'json' || format === 'pretty') return format;
  return process.stdout.isTTY ? 'pretty' : 'json';
}

/** Reads a secret kept in a file, creating it with a fresh random value on first use. */
export function secretFile(path: string, prefix: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = `${prefix}${randomBytes(24).toString('base64url')}`;
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return secret;
}
