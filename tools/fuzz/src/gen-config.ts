/**
 * Generated config files for `strata train`: a valid config, then a mutation
 * of the file text (not JSON, empty, a non-object root) or of its keys (wrong
 * types, missing required keys, unknown keys, out-of-range numbers, unknown
 * backend, dataset or optimizer, malformed preload_from_files), sometimes
 * with a generated (possibly broken) network inside.
 */
import { generateNetCase, MUTATION_KINDS } from './gen-net.js';
import { type Choices, WRONG_VALUES } from './random.js';

export interface ConfigCase {
  kind: 'config';
  /** The file's text (JSON). */
  text: string;
  mutations: string[];
  mentions: string[];
}

const REQUIRED = ['dataset', 'extern_data', 'network', 'batch_size', 'num_epochs'];
const ALL_KEYS = ['backend', 'seed', ...REQUIRED, 'max_seqs', 'optimizer', 'learning_rate', 'learning_rate_decay', 'model', 'description', 'preload_from_files'];

export function generateConfigCase(c: Choices, mutate: boolean): ConfigCase {
  const net = generateNetCase(c, c.chance(0.3) ? c.pick(MUTATION_KINDS) : 'none');
  const config: Record<string, unknown> = {
    backend: 'tfjs-cpu',
    seed: c.int(0, 100),
    dataset: 'mnist',
    extern_data: net.externData,
    network: net.netDict,
    batch_size: c.int(1, 64),
    num_epochs: c.int(1, 3),
    optimizer: { class: c.pick(['adam', 'sgd']) },
    learning_rate: 0.01,
  };
  const k: ConfigCase = { kind: 'config', text: '', mutations: net.mutations.map((m) => `network: ${m}`), mentions: [...net.mentions] };
  if (!mutate) {
    k.text = JSON.stringify(config);
    return k;
  }
  const kind = c.pick(['text', 'wrongType', 'wrongType', 'missing', 'unknownKey', 'range', 'names', 'preload']);
  if (kind === 'text') {
    const [what, text] = c.pick<[string, string]>([
      ['truncated JSON', JSON.stringify(config).slice(0, c.int(1, 40))],
      ['empty file', ''],
      ['array root', '[1, 2]'],
      ['null root', 'null'],
      ['string root', '"network"'],
      ['JSON with a comment', `// config\n${JSON.stringify(config)}`],
      ['NaN literal', JSON.stringify(config).replace(/"batch_size":\d+/, '"batch_size":NaN')],
    ]);
    k.text = text;
    k.mutations.push(what);
    k.mentions.push('config', 'JSON', 'Unexpected', 'expected', 'invalid', '(root)');
    return k;
  }
  if (kind === 'wrongType' || kind === 'range') {
    const key = c.pick(ALL_KEYS);
    const v = kind === 'range' ? c.pick([0, -1, 1.5, 1e308, 2]) : c.pick(WRONG_VALUES);
    config[key] = v;
    k.mutations.push(`${key} = ${JSON.stringify(v)}`);
    k.mentions.push(key);
  } else if (kind === 'missing') {
    const key = c.pick(REQUIRED);
    delete config[key];
    k.mutations.push(`delete ${key}`);
    k.mentions.push(key);
  } else if (kind === 'unknownKey') {
    const key = c.pick(['num_epoch', 'batchsize', 'learning-rate', 'networks', '__proto__', 'constructor']);
    k.mutations.push(`${key} = 3`);
    k.mentions.push(key);
    const text = JSON.stringify(config);
    k.text = `{"${key}": 3, ${text.slice(1)}`;
    return k;
  } else if (kind === 'names') {
    const [key, v] = c.pick<[string, unknown]>([
      ['backend', c.pick(['tfjs-gpu', 'onnx', 'TFJS-CPU', 'pytorch', ''])],
      ['dataset', c.pick(['mnist2', 'timit', '', { name: 'cmudict', eos: 'yes' }, { name: 'librispeech' }])],
      ['optimizer', c.pick<unknown>([{ class: 'adamw' }, { class: 'sgd', momentum: -1 }, { class: 'adam', beta_1: 'x' }, { learning_rate: 1 }, { class: 'adam', nesterov: true }])],
    ]);
    config[key] = v;
    k.mutations.push(`${key} = ${JSON.stringify(v)}`);
    k.mentions.push(key, ...(typeof v === 'string' && v ? [v] : []), 'class', 'momentum', 'beta', 'nesterov', 'name', 'eos', 'librispeech', 'adamw');
  } else {
    const v = c.pick<unknown>([{ a: { filename: 7 } }, { a: {} }, { a: { filename: '/nonexistent.safetensors', init_for_train: 'yes' } }, [], 'x']);
    config.preload_from_files = v;
    k.mutations.push(`preload_from_files = ${JSON.stringify(v)}`);
    k.mentions.push('preload_from_files', 'filename', 'init_for_train');
  }
  k.text = JSON.stringify(config);
  return k;
}
