import { InvalidRequestError } from '../errors.ts';
import type { VisionModel } from './vision-model.ts';

/** Makes the models of one provider, named by what follows `provider:` in a run's `model`. */
export interface ModelProvider {
  readonly name: string;
  /**
   * Returns the model, or throws an `InvalidRequestError` on `model` saying why it cannot be
   * used (an unknown model, a missing key), so a bad run is refused before it is queued.
   */
  create(modelName: string): VisionModel;
}

export class ModelRegistry {
  readonly #providers = new Map<string, ModelProvider>();

  constructor(providers: ModelProvider[]) {
    for (const provider of providers) this.#providers.set(provider.name, provider);
  }

  resolve(spec: string): VisionModel {
    const colon = spec.indexOf(':');
    const providerName = colon > 0 ? spec.slice(0, colon) : '';
    const modelName = colon > 0 ? spec.slice(colon + 1) : '';
    const provider = this.#providers.get(providerName);
    if (!provider || modelName === '') {
      const known = [...this.#providers.keys()].map((name) => `${name}:<model>`).join(', ');
      throw new InvalidRequestError(
        'invalid_field',
        `model must be provider:name, one of ${known}; got "${spec}"`,
        { param: 'model' },
      );
    }
    return provider.create(modelName);
  }
}
