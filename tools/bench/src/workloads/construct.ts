/**
 * Net-dict construction (issue #8): building a 100-layer network from its
 * net dict (`NetDictNetwork.fromDict`: validation, Data templates, layer
 * objects, weight creation and initialisation) against building the same
 * Sequential in tfjs-layers (100 `dense` layers, weights created on `add`).
 */
import { type NetDict, NetDictNetwork } from '@strata/network';
import * as tfl from '@tensorflow/tfjs-layers';
import { type Contender, onBackend } from '../contender.js';
import { type GroupResult, groupResult } from '../results.js';
import { measure } from '../runner.js';

/** Layers of the constructed network (99 hidden + the softmax output). */
export const CONSTRUCT_LAYERS = 100;
/** Width of every hidden layer: small, so the time is construction machinery more than weight initialisation. */
export const CONSTRUCT_WIDTH = 128;

/** `h0 … h98` linear relu of {@link CONSTRUCT_WIDTH} units, then a softmax `output` of 10 with a CE loss. */
export function deepNetDict(layers = CONSTRUCT_LAYERS, width = CONSTRUCT_WIDTH): NetDict {
  const dict: Record<string, Record<string, unknown>> = {};
  for (let i = 0; i < layers - 1; i++) dict[`h${i}`] = { class: 'linear', activation: 'relu', n_out: width, from: i === 0 ? 'data' : `h${i - 1}` };
  dict.output = { class: 'softmax', loss: 'ce', n_out: 10, from: `h${layers - 2}`, target: 'classes' };
  return dict as unknown as NetDict;
}

const EXTERN = { data: { shape: [CONSTRUCT_WIDTH] }, classes: { shape: [], dim: 10, sparse: true } };

function strataConstruct(name: string, backendName: string): Contender {
  let net: NetDictNetwork | null = null;
  const dict = deepNetDict();
  return {
    name,
    detail: `NetDictNetwork.fromDict(${CONSTRUCT_LAYERS}-layer dict) on ${backendName}: schema checks, templates, layers, glorot-uniform weights (seed 42)`,
    activate: onBackend(backendName),
    pass(): void {
      net = NetDictNetwork.fromDict(dict, { externData: EXTERN, seed: 42 });
    },
    after(): void {
      for (const v of net?.weights ?? []) v.dispose();
      net = null;
    },
    dispose: async () => {},
  };
}

function layersConstruct(name: string): Contender {
  let model: tfl.Sequential | null = null;
  return {
    name,
    detail: `tfjs-layers ${tfl.version_layers}: tfl.sequential() + ${CONSTRUCT_LAYERS} × model.add(tfl.layers.dense(...)) (weights created on add, glorot-uniform) on tf.getBackend()='wasm'`,
    activate: onBackend('tfjs-wasm', 'wasm'),
    pass(): void {
      const m = tfl.sequential();
      for (let i = 0; i < CONSTRUCT_LAYERS - 1; i++) m.add(tfl.layers.dense({ units: CONSTRUCT_WIDTH, activation: 'relu', ...(i === 0 ? { inputShape: [CONSTRUCT_WIDTH] } : {}) }));
      m.add(tfl.layers.dense({ units: 10, activation: 'softmax' }));
      model = m;
    },
    after(): void {
      model?.dispose();
      model = null;
    },
    dispose: async () => {},
  };
}

/** The construction group. */
export async function constructionGroup(rounds: number, log: (s: string) => void): Promise<GroupResult> {
  const title = `net-dict construction of a ${CONSTRUCT_LAYERS}-layer network (${CONSTRUCT_LAYERS - 1} × linear ${CONSTRUCT_WIDTH} relu + softmax 10): one measurement = one construction`;
  log(`\n=== ${title} ===`);
  const contenders = [strataConstruct('Strata tfjs-wasm', 'tfjs-wasm'), strataConstruct('Strata onnxruntime', 'onnxruntime'), layersConstruct('tfjs-layers wasm')];
  for (const c of contenders) log(`  ${c.name}: ${c.detail}`);
  const measured = await measure(contenders, 0, rounds, log);
  return groupResult(
    {
      id: 'construct/100-layer',
      workload: 'construct',
      title,
      rounds,
      peers: { 'Strata tfjs-wasm': 'tfjs-layers wasm', 'Strata onnxruntime': 'tfjs-layers wasm' },
      targets: [],
      notes: ['raw onnxruntime-node: not applicable (it loads a finished graph; no construction API)'],
    },
    measured,
  );
}
