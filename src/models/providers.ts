import type { Logger } from 'pino';
import type { DaemonConfig } from '../config.ts';
import { silentLogger } from '../log.ts';
import { anthropicProvider } from './anthropic/index.ts';
import type { ModelProvider } from './model-registry.ts';
import { openAICompatibleProvider } from './openai-compatible/index.ts';
import { scriptedProvider } from './scripted/index.ts';

/**
 * Every model provider the daemon offers, configured from the daemon's settings. `replay:` is
 * not here: it reads the daemon's own store, so `createDaemon` adds it once the store exists.
 */
export function defaultProviders(
  config: DaemonConfig,
  log: Logger = silentLogger(),
): ModelProvider[] {
  return [
    scriptedProvider(),
    anthropicProvider({
      apiKey: config.anthropic.apiKey,
      baseURL: config.anthropic.baseURL,
      history: config.screenshotHistory,
      log,
    }),
    openAICompatibleProvider({
      baseURL: config.openai.baseURL,
      apiKey: config.openai.apiKey,
      keepImages: config.screenshotHistory.keep,
    }),
  ];
}
