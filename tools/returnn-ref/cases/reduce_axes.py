"""Cases: RETURNN's reduce over several axes at once (ReduceLayer `axes` as a list), which Strata builds as a chain of
one-axis reduces; over the time axis only the valid frames count."""
from .basic import c

SEQ3 = {"data": {"dim": 3}}
IMG = {"data": {"shape": (None, 4, 3)}}

CASES = [
    c("reduce_axes_mean_time_feature", {
        "output": {"class": "reduce", "mode": "mean", "axes": ["T", "F"], "from": "data"},
    }, extern_data=SEQ3),
    c("reduce_axes_sum_feature_time", {
        "h": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data"},
        "output": {"class": "reduce", "mode": "sum", "axes": ["F", "T"], "from": "h"},
    }, extern_data=SEQ3),
    c("reduce_axes_max_min_keep_dims", {
        "mx": {"class": "reduce", "mode": "max", "axes": ["T", "F"], "keep_dims": True, "from": "data",
               "is_output_layer": True},
        "output": {"class": "reduce", "mode": "min", "axes": ["T", "F"], "from": "data"},
    }, extern_data=SEQ3),
    c("reduce_axes_mean_time_spatial", {
        "output": {"class": "reduce", "mode": "mean", "axes": ["T", "spatial:1"], "from": "data"},
    }, extern_data=IMG),
]
