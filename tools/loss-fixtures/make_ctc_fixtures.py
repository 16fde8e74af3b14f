"""Reference fixtures for @strata/losses' CTC options and CTC decoding.

Writes packages/losses/src/fixtures/ctc-decode.json and ctc-loss-opts.json from
TensorFlow (/work/venv-ref): the decoders RETURNN's CtcLoss.get_error uses
(tf.nn.ctc_beam_search_decoder, i.e. TF 2's v2 with merge_repeated=False; the v1
form with merge_repeated=True; tf.nn.ctc_greedy_decoder), the label error counts
tf.edit_distance(normalize=False) gives against the targets, and tf.compat.v1.nn.ctc_loss
with the ctc_opts RETURNN forwards.

Run: /work/venv-ref/bin/python tools/loss-fixtures/make_ctc_fixtures.py
"""
import json
import os

import numpy as np
import tensorflow as tf

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'losses', 'src', 'fixtures')


def sparse(labels, lens):
    idx, vals = [], []
    for b, n in enumerate(lens):
        for i in range(n):
            idx.append([b, i])
            vals.append(labels[b][i])
    return tf.SparseTensor(np.array(idx, np.int64).reshape(-1, 2), np.array(vals, np.int32), [len(lens), max(1, labels.shape[1])])


def dense_rows(sp, batch):
    rows = [[] for _ in range(batch)]
    for (b, _), v in zip(sp.indices.numpy(), sp.values.numpy()):
        rows[b].append(int(v))
    return rows


def decode_cases():
    rng = np.random.RandomState(42)
    cases = []
    for ci, (batch, time, classes, scale) in enumerate([(3, 6, 4, 1.0), (4, 12, 5, 2.0), (2, 20, 6, 3.0), (5, 9, 3, 1.5), (3, 30, 8, 2.5)]):
        logits = (rng.randn(time, batch, classes) * scale).astype(np.float32)  # time-major, as RETURNN feeds the decoder
        seq_lens = rng.randint(max(1, time // 2), time + 1, size=batch).astype(np.int32)
        seq_lens[0] = time
        max_label = max(1, time // 3)
        label_lens = rng.randint(0, max_label + 1, size=batch).astype(np.int32)
        labels = rng.randint(0, classes - 1, size=(batch, max_label)).astype(np.int32)
        truth = sparse(labels, label_lens)
        case = {
            'logits': logits.transpose(1, 0, 2).tolist(),  # stored batch-major [batch, time, classes]
            'seqLens': seq_lens.tolist(),
            'labels': labels.tolist(),
            'labelLens': label_lens.tolist(),
            'decoded': {},
        }
        greedy = tf.nn.ctc_greedy_decoder(logits, seq_lens)[0][0]
        case['decoded']['greedy'] = {
            'paths': dense_rows(greedy, batch),
            'errors': tf.edit_distance(tf.cast(greedy, tf.int32), truth, normalize=False).numpy().tolist(),
        }
        for bw in (1, 4, 100):
            for merge in (False, True):
                if merge:
                    dec, lp = tf.compat.v1.nn.ctc_beam_search_decoder(logits, seq_lens, beam_width=bw, merge_repeated=True)
                else:
                    dec, lp = tf.nn.ctc_beam_search_decoder(logits, seq_lens, beam_width=bw)
                key = f'beam{bw}' + ('_merge' if merge else '')
                case['decoded'][key] = {
                    'paths': dense_rows(dec[0], batch),
                    'logProbs': lp.numpy()[:, 0].tolist(),
                    'errors': tf.edit_distance(tf.cast(dec[0], tf.int32), truth, normalize=False).numpy().tolist(),
                }
        cases.append(case)
    return cases


def loss_opts_cases():
    rng = np.random.RandomState(7)
    batch, time, classes = 4, 8, 5
    logits = (rng.randn(batch, time, classes) * 1.5).astype(np.float32)
    seq_lens = np.array([8, 7, 5, 3], np.int32)
    labels = np.array([[1, 1, 2, 0, 0], [3, 3, 3, 1, 0], [0, 2, 2, 0, 0], [2, 2, 1, 0, 1]], np.int32)
    label_lens = np.array([3, 4, 3, 5], np.int32)  # the last is longer than its 3 frames
    out = {'logits': logits.tolist(), 'seqLens': seq_lens.tolist(), 'labels': labels.tolist(), 'labelLens': label_lens.tolist(), 'cases': []}
    variants = [
        {'preprocess_collapse_repeated': False, 'ctc_merge_repeated': True},
        {'preprocess_collapse_repeated': True, 'ctc_merge_repeated': True},
        {'preprocess_collapse_repeated': False, 'ctc_merge_repeated': False},
        {'preprocess_collapse_repeated': True, 'ctc_merge_repeated': False},
    ]
    for v in variants:
        loss = tf.compat.v1.nn.ctc_loss(sparse(labels, label_lens), logits, seq_lens, time_major=False,
                                        ignore_longer_outputs_than_inputs=True, **v)
        out['cases'].append({'ctc_opts': dict(v, ignore_longer_outputs_than_inputs=True), 'loss': loss.numpy().tolist()})
    # auto_clip_target_len (RETURNN): target lens min(label_lens, max(seq_lens - 1, 0))
    clipped = np.minimum(label_lens, np.maximum(seq_lens - 1, 0))
    loss = tf.compat.v1.nn.ctc_loss(sparse(labels, clipped), logits, seq_lens, time_major=False)
    out['autoClip'] = {'labelLens': clipped.tolist(), 'loss': loss.numpy().tolist()}
    return out


if __name__ == '__main__':
    with open(os.path.join(OUT, 'ctc-decode.json'), 'w') as f:
        json.dump({'source': 'tools/loss-fixtures/make_ctc_fixtures.py, TensorFlow ' + tf.__version__, 'cases': decode_cases()}, f)
    with open(os.path.join(OUT, 'ctc-loss-opts.json'), 'w') as f:
        json.dump(dict(source='tools/loss-fixtures/make_ctc_fixtures.py, TensorFlow ' + tf.__version__, **loss_opts_cases()), f)
