"""
Which checkpoints RETURNN's cleanup_old_models deletes (returnn/engine/base.py,
EngineBase.cleanup_old_models), for packages/engine/src/cleanup-old-models.test.ts.

Run (never in CI), with RETURNN's source as in README.md:
    RETURNN_SRC=/work/returnn-src /work/venv-ref/bin/python tools/returnn-ref/cleanup_old_models.py \
        packages/engine/src/fixtures/cleanup-old-models.json

RETURNN's own method runs on a stand-in engine: the stored epochs and their scores (the
learning-rate control's EpochData) are given, and delete_model records what it would delete.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "shims"))
sys.path.insert(0, os.environ.get("RETURNN_SRC", "/work/returnn-src"))

from returnn.config import Config  # noqa: E402
from returnn.engine.base import EngineBase  # noqa: E402
from returnn.learning_rate_control import ConstantLearningRate  # noqa: E402


def scores_for(epoch, pattern):
    """Deterministic, non-monotonic scores: a falling trend with bumps, dev worse than train."""
    if pattern == "falling":
        t = 2.0 / (1 + 0.3 * epoch) + 0.05 * ((epoch * 7) % 5)
        return {"train_score": round(t, 4), "dev_score": round(t + 0.1 + 0.04 * ((epoch * 3) % 4), 4), "dev_error": round(0.5 / (1 + 0.1 * epoch) + 0.01 * ((epoch * 5) % 3), 4)}
    if pattern == "dev_only_some":
        s = {"train_score": round(1.0 / epoch, 4)}
        if epoch % 3 == 0:
            s["dev_score"] = round(1.0 + ((epoch * 11) % 7) * 0.1, 4)
        return s
    raise ValueError(pattern)


CASES = [
    {"name": "defaults_12_epochs", "epochs": list(range(1, 13)), "scores": "falling", "opts": True},
    {"name": "defaults_3_epochs", "epochs": [1, 2, 3], "scores": "falling", "opts": True},
    {"name": "defaults_5_epochs", "epochs": [1, 2, 3, 4, 5], "scores": "falling", "opts": True},
    {"name": "defaults_60_epochs", "epochs": list(range(1, 61)), "scores": "falling", "opts": True},
    {"name": "defaults_130_epochs", "epochs": list(range(1, 131)), "scores": "falling", "opts": True},
    {"name": "defaults_300_epochs_gaps", "epochs": [e for e in range(1, 301) if e % 7 != 0], "scores": "falling", "opts": True},
    {"name": "keep_last_1_best_1", "epochs": list(range(1, 21)), "scores": "falling", "opts": {"keep_last_n": 1, "keep_best_n": 1}},
    {"name": "keep_list", "epochs": list(range(1, 21)), "scores": "falling", "opts": {"keep_last_n": 3, "keep_best_n": 0, "keep": [2, 7]}},
    {"name": "missing_dev_scores", "epochs": list(range(1, 16)), "scores": "dev_only_some", "opts": {"keep_best_n": 2}},
]


class StandIn:
    """What cleanup_old_models reads of an engine."""

    def __init__(self, case):
        self.config = Config()
        self.config.update({"cleanup_old_models": case["opts"]})
        self.learning_rate_control = ConstantLearningRate(default_learning_rate=1.0)
        for e in case["epochs"]:
            self.learning_rate_control.set_epoch_error(e, scores_for(e, case["scores"]))
        self.epochs = case["epochs"]
        self.deleted = []

    def _do_save(self):
        return True

    def get_existing_models(self, config, for_training=None):
        return {e: "model.%03d" % e for e in self.epochs}

    def delete_model(self, filename):
        self.deleted.append(int(filename.split(".")[-1]))
        return 0


def main():
    out = []
    for case in CASES:
        s = StandIn(case)
        EngineBase.cleanup_old_models(s)
        out.append({
            "name": case["name"],
            "epochs": case["epochs"],
            "scores": {e: scores_for(e, case["scores"]) for e in case["epochs"]},
            "opts": case["opts"],
            "deleted": s.deleted,
        })
    with open(sys.argv[1], "w") as f:
        json.dump({"about": "RETURNN's EngineBase.cleanup_old_models on a stand-in engine; see tools/returnn-ref/cleanup_old_models.py", "cases": out}, f)


if __name__ == "__main__":
    main()
