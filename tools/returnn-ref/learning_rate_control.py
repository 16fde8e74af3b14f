"""
Reference learning rates from RETURNN's own learning-rate control
(returnn/learning_rate_control.py), for packages/engine/src/learning-rate-control.test.ts.

Run (never in CI) with RETURNN's source on PYTHONPATH, e.g.:
    git -C /path/to/returnn.git archive HEAD returnn | tar x -C /tmp/returnn-src
    PYTHONPATH=/tmp/returnn-src python3 tools/returnn-ref/learning_rate_control.py \
        packages/engine/src/fixtures/learning-rate-control.json
It runs RETURNN's classes on fixed score sequences and writes, per case, the
options and the learning rate RETURNN gives each epoch.
"""

import json
import sys

from returnn.learning_rate_control import learning_rate_control_type

# Per epoch: (train_score, dev_score, dev_error). Falls, stalls, rises, falls again.
SCORES = [
    (2.0, 1.8, 0.5),
    (1.5, 1.4, 0.4),
    (1.3, 1.35, 0.38),
    (1.2, 1.36, 0.37),
    (1.1, 1.2, 0.35),
    (1.05, 1.199, 0.34),
    (1.0, 1.25, 0.36),
    (0.95, 1.1, 0.33),
    (0.9, 1.0, 0.3),
    (0.88, 1.002, 0.31),
    (0.86, 0.99, 0.3),
    (0.85, 0.995, 0.29),
]

CASES = [
    ("constant", {}),
    ("constant", {"default_learning_rates": [0.1, 0.2, 0.3]}),
    ("newbob", {}),
    ("newbob", {"relative_error_also_relative_to_learning_rate": True}),
    ("newbob", {"relative_error_also_relative_to_learning_rate": True, "relative_error_threshold": -0.1, "default_learning_rate": 0.5}),
    ("newbob", {"relative_error_threshold": -0.1}),
    ("newbob_relative", {"relative_error_div_by_old": True, "learning_rate_decay": 0.7, "min_learning_rate": 0.3}),
    ("newbob", {"error_measure_key": "dev_error", "learning_rate_growth": 1.1}),
    ("newbob", {"default_learning_rates": [0.5, 0.8]}),
    ("newbob", {"min_num_epochs_per_new_learning_rate": 3}),
    ("newbob_abs", {}),
    ("newbob_abs", {"error_threshold": 0.005, "error_measure_key": "train_score"}),
    ("newbob_multi_epoch", {}),
    ("newbob_multi_epoch", {"num_epochs": 2, "update_interval": 2}),
    ("newbob_multi_epoch", {"num_epochs": 3, "update_interval": 1, "relative_error_grow_threshold": -0.05, "learning_rate_growth": 1.2}),
]

DEFAULTS = {
    "newbob": {"relative_error_threshold": -0.01},
    "newbob_relative": {"relative_error_threshold": -0.01},
    "newbob_abs": {"error_threshold": -0.01},
    "newbob_multi_epoch": {"num_epochs": 5, "update_interval": 5, "relative_error_threshold": -0.01, "relative_error_grow_threshold": -0.01},
}


def run(kind, opts):
    kwargs = dict(DEFAULTS.get(kind, {}))
    kwargs.update(opts)
    kwargs.setdefault("default_learning_rate", 1.0)
    kwargs.setdefault("learning_rate_decay", 0.5)
    kwargs.setdefault("learning_rate_growth", 1.0)
    control = learning_rate_control_type(kind)(**kwargs)
    lrs = []
    for epoch, (train, dev, dev_err) in enumerate(SCORES, start=1):
        lrs.append(control.get_learning_rate_for_epoch(epoch))
        control.set_epoch_error(epoch, {"train_score": train, "train_error": 0.0})
        control.set_epoch_error(epoch, {"dev_score": dev, "dev_error": dev_err})
    return lrs


with open(sys.argv[1], "w") as f:
    json.dump({"scores": SCORES, "cases": [{"kind": k, "options": o, "learning_rates": run(k, o)} for k, o in CASES]}, f, indent=1)
    f.write("\n")
