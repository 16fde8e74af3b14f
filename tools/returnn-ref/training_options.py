"""
Reference updates from RETURNN's own TF Updater (returnn/tf/updater.py) for the training
options gradient_clip_norm, gradient_clip, gradient_clip_global_norm, gradient_nan_inf_filter
and accum_grad_multiple_step, for packages/engine/src/optimizers/returnn-training-options.test.ts.

Run (never in CI), with RETURNN's source as in README.md:
    RETURNN_SRC=/work/returnn-src /work/venv-ref/bin/python tools/returnn-ref/training_options.py \
        packages/engine/src/fixtures/returnn-training-options.json

The problem: W [3, 2], b [2], c [3]; per step a batch X [4, 3], Y [4, 2] (seeded);
objective = 0.5 * sum((X W + b - Y)^2) + sum(sqrt(c)). c starts at [1, 4, 9], except in the
"inf" cases, where c = [0, 1, 4] makes d sqrt(c) / dc = [inf, 0.5, 0.25]. RETURNN's Updater is
built with `objective` and `global_train_step_var` (no network); after every step the variables
are recorded. The global step is incremented by the Updater's own op, as in training.
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "shims"))  # `tree` (dm-tree) stand-in
sys.path.insert(0, os.environ.get("RETURNN_SRC", "/work/returnn-src"))

import tensorflow as tf  # noqa: E402

tf.compat.v1.disable_eager_execution()

from returnn.config import Config  # noqa: E402
from returnn.tf.updater import Updater  # noqa: E402

W0 = [[0.5, -0.3], [0.2, 0.8], [-0.6, 0.1]]
B0 = [0.05, -0.02]
rng = np.random.RandomState(7)
BATCHES = [(rng.normal(size=(4, 3)).round(3).tolist(), rng.normal(size=(4, 2)).round(3).tolist()) for _ in range(7)]

CASES = [
    {"name": "clip_norm_sgd", "config": {"learning_rate": 0.1, "gradient_clip_norm": 0.5}, "steps": 3},
    {
        "name": "clip_value_norm_global_adam",
        "config": {"learning_rate": 0.01, "optimizer": {"class": "adam"}, "gradient_clip": 0.7, "gradient_clip_norm": 1.5, "gradient_clip_global_norm": 2.0},
        "steps": 3,
    },
    {"name": "accum_3_adam", "config": {"learning_rate": 0.01, "optimizer": {"class": "adam"}, "accum_grad_multiple_step": 3}, "steps": 7},
    {"name": "accum_2_sgd_clip_global", "config": {"learning_rate": 0.1, "accum_grad_multiple_step": 2, "gradient_clip_global_norm": 1.0}, "steps": 5},
    {"name": "nan_inf_filter_sgd", "config": {"learning_rate": 0.1, "gradient_nan_inf_filter": True}, "steps": 2, "c0": [0.0, 1.0, 4.0]},
    {
        "name": "nan_inf_filter_global_norm_sgd",
        "config": {"learning_rate": 0.1, "gradient_nan_inf_filter": True, "gradient_clip_global_norm": 1.0},
        "steps": 2,
        "c0": [0.0, 1.0, 4.0],
    },
]


def run(case):
    graph = tf.Graph()
    with graph.as_default():
        w = tf.Variable(np.array(W0, "float32"), name="W")
        b = tf.Variable(np.array(B0, "float32"), name="b")
        c = tf.Variable(np.array(case.get("c0", [1.0, 4.0, 9.0]), "float32"), name="c")
        x = tf.compat.v1.placeholder(tf.float32, (4, 3))
        y = tf.compat.v1.placeholder(tf.float32, (4, 2))
        objective = 0.5 * tf.reduce_sum(tf.square(tf.matmul(x, w) + b - y)) + tf.reduce_sum(tf.sqrt(c))
        step = tf.compat.v1.Variable(0, dtype=tf.int64, trainable=False, name="global_step")
        config = Config()
        config.update(dict(case["config"]))
        updater = Updater(config=config, initial_learning_rate=case["config"]["learning_rate"], objective=objective, global_train_step_var=step)
        updater.set_trainable_vars([w, b, c])
        optim = updater.get_optim_op()
        with tf.compat.v1.Session(graph=graph) as session:
            session.run(tf.compat.v1.global_variables_initializer())
            updater.set_learning_rate(case["config"]["learning_rate"], session=session)
            updater.init_optimizer_vars(session=session)
            after = []
            for i in range(case["steps"]):
                xs, ys = BATCHES[i]
                session.run(optim, feed_dict={x: xs, y: ys})
                wv, bv, cv = session.run([w, b, c])
                after.append({"W": wv.tolist(), "b": bv.tolist(), "c": cv.tolist()})
            assert session.run(step) == case["steps"]
    return {"name": case["name"], "config": case["config"], "c0": case.get("c0", [1.0, 4.0, 9.0]), "after": after}


def main():
    out = {
        "about": "RETURNN's TF Updater, one session.run per step; see tools/returnn-ref/training_options.py",
        "tensorflow": tf.__version__,
        "W0": W0,
        "b0": B0,
        "batches": BATCHES,
        "cases": [run(c) for c in CASES],
    }
    with open(sys.argv[1], "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
