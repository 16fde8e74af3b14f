"""RETURNN's Dim arithmetic (returnn/tensor/_dim_extra.py) on a few dims, as JSON, for @strata/core's dim-json test.

Usage (from tools/returnn-ref; never run in CI):
  RETURNN_SRC=/work/returnn-src /work/venv-ref/bin/python dim_math.py ../../packages/core/src/fixtures/returnn-dim-math.json

Each case: an expression over `time = SpatialDim("time")`, `feat = FeatureDim("feat", 6)`, `win = Dim(3, name="win")`,
`heads = FeatureDim("heads", 2)`, `batch_dim`, and the resulting Dim's description, kind and dimension.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "shims"))
sys.path.insert(0, os.environ.get("RETURNN_SRC", "/work/returnn-src"))
from returnn.tensor import Dim, batch_dim  # noqa: E402
from returnn.tf.util.data import FeatureDim, SpatialDim  # noqa: E402

CASES = [
    "time * 2", "time + 1", "1 + time + 1", "(time + 1) + 1", "time + time", "time - 1", "(time + 2) - 2",
    "win.ceildiv_right(2)", "time.ceildiv_right(2)", "feat.div_left(heads)", "2 * time", "win // 2", "(win // 2) + time",
    "(time * 2) // 2", "time + win", "feat * 2", "batch_dim + 1", "(win // 2) + time + win.ceildiv_right(2) + (-1)",
    "time.div_right(2)", "feat.ceildiv_left(heads)", "(time * 2).div_right(2)",
]


def main():
    env = {"time": SpatialDim("time"), "feat": FeatureDim("feat", 6), "win": Dim(3, name="win"),
           "heads": FeatureDim("heads", 2), "batch_dim": batch_dim}
    out = []
    for expr in CASES:
        d = eval(expr, dict(env))
        kind = d.kind.name.lower() if d.kind is not None else "unspecified"
        out.append({"expr": expr, "dim": d.description, "kind": kind, "size": d.dimension})
    with open(sys.argv[1], "w") as fh:
        json.dump(out, fh, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
