import type { ModelProvider } from '../model-registry.ts';
import { ScriptedModel, loadScript } from './scripted-model.ts';

export { ScriptedModel, loadScript, scriptSchema, abortableDelay } from './scripted-model.ts';
export type { Script } from './scripted-model.ts';

/** `scripted:<path>`: a path to a script file, relative to the daemon's working directory. */
export function scriptedProvider(): ModelProvider {
  return {
    name: 'scripted',
    create: (path) => new ScriptedModel(`scripted:${path}`, loadScript(path)),
  };
}
