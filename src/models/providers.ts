import type { DaemonConfig } from '../config.ts';
import type { ModelProvider } from './model-registry.ts';
import { scriptedProvider } from './scripted/index.ts';

/** Every model provider the daemon offers, configured from the daemon's settings. */
export function defaultProviders(_config: DaemonConfig): ModelProvider[] {
  return [scriptedProvider()];
}
