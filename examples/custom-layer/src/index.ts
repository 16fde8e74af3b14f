// The package's entry point. Importing it registers the layer (a module side
// effect, like Keras' @register_keras_serializable): `layerFromConfig` knows
// the class `GatedLinearUnit` and net dicts the class `glu`.
import { registerLayer } from '@strata/core';
import { gluLayer } from './glu.js';

export { GatedLinearUnit, type GatedLinearUnitArgs, GLU_OPTIONS, gluLayer } from './glu.js';

/**
 * Registers the layer with Strata (done once on import; calling it again is a
 * no-op). For bundlers that drop side-effect imports, or to make the
 * dependency explicit: `import { register } from '...'; register();`.
 */
export function register(): void {
  registerLayer(gluLayer);
}

register();
