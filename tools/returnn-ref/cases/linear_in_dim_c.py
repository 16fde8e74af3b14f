"""Cases: `linear` whose `in_dim` names an axis other than the feature axis (RETURNN LayerBase in_dim: that axis
becomes the feature axis, the kernel contracts it, the output's feature dim takes its place)."""
from .dims_f import BATCH, TIME, d

SPATIAL3 = {"dim": "static-spatial", "kind": "spatial", "size": 3}
FEAT4 = {"dim": "in-feat", "kind": "feature", "size": 4}
OUT6 = {"dim": "out-feat", "kind": "feature", "size": 6}
EXT = {"data": {"dim_tags": [BATCH, TIME, SPATIAL3, FEAT4]}}

CASES = [
    d("linear_in_dim_c_spatial_axis", {
        "output": {"class": "linear", "activation": "tanh", "from": "data", "in_dim": SPATIAL3, "out_dim": OUT6},
    }, extern_data=EXT),
    d("linear_in_dim_c_spatial_axis_no_bias_then_reduce", {
        "lin": {"class": "linear", "activation": None, "with_bias": False, "from": "data", "in_dim": SPATIAL3, "out_dim": OUT6},
        "output": {"class": "reduce", "mode": "sum", "from": "lin", "axis": FEAT4},
    }, outputs=["output", "lin"], extern_data=EXT),
]
