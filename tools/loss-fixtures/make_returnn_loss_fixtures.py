"""Reference fixtures of RETURNN's loss classes (loss_opts) for @strata/losses.

Builds `{"output": {"class": "activation", "activation": "softmax", "loss": ..., "loss_opts": ...}}` in the real
RETURNN (TF backend, graph mode, train_flag=False) for each variant, feeds fixed logits, targets and lengths, and
records per loss RETURNN's LossHolder values: get_loss_value (the sum), get_error_value, get_norm_factor and
get_loss_value_for_objective. Writes packages/losses/src/fixtures/returnn-losses.json.

Run (RETURNN sources as tools/returnn-ref/README.md says):
  RETURNN_SRC=/work/returnn-src /work/venv-ref/bin/python tools/loss-fixtures/make_returnn_loss_fixtures.py
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'returnn-ref', 'shims'))
sys.path.insert(0, os.environ.get('RETURNN_SRC', '/work/returnn-src'))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.compat.v1.disable_eager_execution()

from returnn.config import Config  # noqa: E402
from returnn.tf.network import TFNetwork  # noqa: E402
from returnn.util.basic import BehaviorVersion  # noqa: E402

OUT = os.path.join(HERE, '..', '..', 'packages', 'losses', 'src', 'fixtures', 'returnn-losses.json')
B, T, V = 3, 5, 4
SEQ_LENS = [5, 3, 4]

CE_VARIANTS = [
    {},
    {'label_smoothing': 0.1},
    {'label_smoothing': 0.2, 'label_smoothing_gaussian': True},
    {'focal_loss_factor': 2.0},
    {'focal_loss_factor': 1.5, 'label_smoothing': 0.1},
    {'fake_upper_bound': 1.0},
    {'use_fused': False},
    {'use_fused': False, 'safe_log_opts': {'eps': 0.3}},
    {'input_type': 'logits'},
    {'scale': 0.5, 'use_normalized_loss': True},
    {'scale': 0.5},
    {'custom_norm_factor': 0.25, 'use_normalized_loss': True},
    {'use_flatten_frames': False},
]
# A copy layer on probabilities (no softmax in the graph): RETURNN's unfused path with safe_log's floor.
CE_PROB_VARIANTS = [
    {},
    {'safe_log_opts': {'eps': 0.3}},
    {'safe_log_opts': {'eps': 0.3, 'use_fake_grad': False}},
    {'label_smoothing': 0.1},
    {'focal_loss_factor': 2.0},
]


def run(loss, loss_opts, activation, logits, classes, target='classes', dense=None):
    BehaviorVersion._behavior_version = None
    config = Config({
        'extern_data': {
            'data': {'shape': (None, V)},
            'classes': {'shape': (None,), 'sparse': True, 'dim': V},
            'dense': {'shape': (None, V)},
        },
    })
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as session:
        net = TFNetwork(config=config, train_flag=False, eval_flag=True)
        layer = {'class': 'activation', 'activation': activation} if activation else {'class': 'copy'}
        net.construct_from_dict({'output': dict(layer, **{'from': 'data', 'loss': loss, 'target': target, 'loss_opts': loss_opts})})
        losses, _, _ = net.get_losses_initialized()
        h = list(losses.values())[0]
        fetches = {'sum': h.get_loss_value(), 'norm_factor': h.get_norm_factor()}
        err = h.get_error_value()
        if err is not None:
            fetches['error'] = err
        obj = h.get_loss_value_for_objective()
        if obj is not None:
            fetches['objective'] = obj
        data = net.extern_data.data['data']
        cls = net.extern_data.data[target]
        feed = {
            data.placeholder: logits, data.get_sequence_lengths(): SEQ_LENS,
            cls.placeholder: classes if target == 'classes' else dense, cls.get_sequence_lengths(): SEQ_LENS,
        }
        return {k: float(v) for k, v in session.run(fetches, feed_dict=feed).items()}


def main():
    rnd = np.random.RandomState(5)
    logits = (rnd.randn(B, T, V) * 2).astype(np.float32)
    classes = rnd.randint(0, V, size=(B, T)).astype(np.int32)
    out = {
        'source': 'tools/loss-fixtures/make_returnn_loss_fixtures.py, RETURNN ' + open(os.path.join(os.environ.get('RETURNN_SRC', '/work/returnn-src'), '.commit')).read().strip() if os.path.exists(os.path.join(os.environ.get('RETURNN_SRC', '/work/returnn-src'), '.commit')) else 'tools/loss-fixtures/make_returnn_loss_fixtures.py',
        'tf_version': tf.__version__,
        'logits': logits.tolist(), 'classes': classes.tolist(), 'seqLens': SEQ_LENS,
        'ce': [],
    }
    for opts in CE_VARIANTS:
        activation = None if opts.get('input_type') == 'logits' else 'softmax'
        out['ce'].append({'loss_opts': opts, **run('ce', dict(opts), activation, logits, classes)})
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs = (probs / probs.sum(-1, keepdims=True)).astype(np.float32)
    probs[0, 1, classes[0, 1]] = 0.0  # a zero target probability: -log(eps)
    out['probs'] = probs.tolist()
    out['ceProbs'] = [{'loss_opts': opts, **run('ce', dict(opts), None, probs, classes)} for opts in CE_PROB_VARIANTS]
    dense = rnd.rand(B, T, V).astype(np.float32)
    out['dense'] = dense.tolist()
    out['regression'] = []
    for loss, target, opts in [('mse', 'classes', {}), ('mse', 'dense', {}), ('mse', 'dense', {'use_normalized_loss': True, 'scale': 2.0}),
                               ('l1', 'dense', {}), ('mean_l1', 'dense', {})]:
        out['regression'].append({'loss': loss, 'target': target, 'loss_opts': opts, **run(loss, dict(opts), 'softmax', logits, classes, target, dense)})
    with open(OUT, 'w') as f:
        json.dump(out, f, indent=0)


if __name__ == '__main__':
    main()
