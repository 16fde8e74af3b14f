import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseReturnnConfig } from './read.js';
import { findOpaque, toPlain } from './values.js';

/**
 * RETURNN's own demo configs (`demos/demo-tf-*.config`), read from a local
 * mirror of github.com/rwth-i6/returnn. They are not copied into this
 * repository: RETURNN's license (a Q Public License derivative, non-commercial)
 * is not Apache-2.0 compatible. Set RETURNN_REPO to a RETURNN checkout's git dir to run these.
 */
const repo = process.env.RETURNN_REPO ?? '/work/.mirror/rwth-i6+returnn/repo';
const have = existsSync(repo);
const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
const demo = (name: string) => parseReturnnConfig(git('show', `HEAD:demos/${name}`), `demos/${name}`);
const v = (c: ReturnnConfigLike, name: string) => toPlain(c.entries.get(name)!.value);
type ReturnnConfigLike = ReturnType<typeof demo>;

describe.skipIf(!have)("RETURNN's demo-tf-*.config files", () => {
  it('every one parses without running code', () => {
    const files = git('ls-tree', '--name-only', 'HEAD', 'demos/').split('\n').filter((f) => /^demos\/demo-tf-.*\.config$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(16);
    for (const f of files) expect(() => demo(f.slice('demos/'.length)), f).not.toThrow();
  });

  it('demo-tf-native-lstm2.12ax.config: values and lines', () => {
    const c = demo('demo-tf-native-lstm2.12ax.config');
    expect(v(c, 'train')).toEqual({ class: 'Task12AXDataset', num_seqs: 1000 });
    expect(v(c, 'dev')).toEqual({ class: 'Task12AXDataset', num_seqs: 100, fixed_random_seed: 1 });
    expect([v(c, 'num_inputs'), v(c, 'num_outputs'), v(c, 'batch_size'), v(c, 'max_seqs'), v(c, 'chunking')]).toEqual([9, 2, 5000, 10, '0']);
    expect(v(c, 'network')).toEqual({
      fw0: { class: 'rec', unit: 'NativeLstm2', dropout: 0.1, n_out: 10, from: 'data' },
      output: { class: 'softmax', loss: 'ce', from: ['fw0'] },
    });
    expect([v(c, 'optimizer'), v(c, 'learning_rate'), v(c, 'num_epochs'), v(c, 'log_verbosity')]).toEqual([{ class: 'adam' }, 0.01, 5, 3]);
    expect(v(c, 'tf_session_opts')).toEqual({ gpu_options: { per_process_gpu_memory_fraction: 0.1 } });
    expect(c.entries.get('batch_size')).toMatchObject({ line: 22, column: 1 });
    // model = "/tmp/%s/returnn/%s/model" % (get_login_username(), demo_name): needs Python.
    expect(findOpaque(c.entries.get('model')!.value)!.opaque.construct).toBe('call of get_login_username()');
    expect(v(c, 'demo_name')).toBe('demos/demo-tf-native-lstm2.12ax');
  });

  it('demo-tf-native-lstm2.12ax.tuned.config: trailing-dot floats', () => {
    const c = demo('demo-tf-native-lstm2.12ax.tuned.config');
    expect([v(c, 'learning_rate'), v(c, 'optimizer_epsilon'), v(c, 'gradient_clip'), v(c, 'gradient_clip_norm'), v(c, 'gradient_noise')]).toEqual([0.127, 5e-15, 10, 0.07, 0.3]);
  });

  it('demo-tf-attention.config: dev = train.copy(); dev.update({... train["num_seqs"] // 10 ...})', () => {
    const c = demo('demo-tf-attention.config');
    expect(v(c, 'dev')).toEqual({ class: 'TaskXmlModelingDataset', num_seqs: 100, fixed_random_seed: 42 });
    expect(v(c, 'train')).toEqual({ class: 'TaskXmlModelingDataset', num_seqs: 1000 });
    expect([v(c, 'learning_rate_control'), v(c, 'learning_rate_control_relative_error_relative_lr'), v(c, 'learning_rate')]).toEqual(['newbob', true, 0.0005]);
    expect((v(c, 'network') as Record<string, { unit?: Record<string, unknown> }>).output!.unit!.orth_embed).toEqual({ class: 'linear', activation: null, from: ['data:classes'], n_out: 10 });
  });

  it('demo-tf-enc-dec.config: config.int("layer_dim", 500) and layer_dim * 2', () => {
    const c = demo('demo-tf-enc-dec.config');
    expect(v(c, 'layer_dim')).toBe(500);
    expect((v(c, 'network') as Record<string, unknown>).input_last).toEqual({ class: 'get_last_hidden_state', from: 'input', n_out: 1000 });
    expect(v(c, 'extern_data')).toEqual({ data: { sparse: true, dim: 8 }, classes: { sparse: true, dim: 2 } });
  });

  it('demo-tf-hard-att-copy.config: if on task, defs referenced from the network, pretrain', () => {
    const c = demo('demo-tf-hard-att-copy.config');
    expect([v(c, 'task'), v(c, 'beam_size'), v(c, 'stop_on_nonfinite_train_score')]).toEqual(['train', 4, false]);
    const op = findOpaque(c.entries.get('network')!.value)!;
    expect(op.opaque.construct).toMatch(/^def |^lambda$/);
    expect(findOpaque(c.entries.get('pretrain')!.value)!).toMatchObject({ path: ['construction_algo'], opaque: { construct: 'def pretrain_construct', location: { line: 229 } } });
  });
});
