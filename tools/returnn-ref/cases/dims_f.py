"""Cases: RETURNN Dims in extern_data and in layer options, written in Strata's JSON Dim form
(packages/core/src/dim-json.ts); RETURNN gets the same dicts with real Dim objects (`to_returnn_dims`)."""
from .basic import c

BATCH = {"dim": "global batch", "kind": "batch", "size": None}
TIME = {"dim": "time", "kind": "spatial", "size": None}
FEAT = {"dim": "feat", "kind": "feature", "size": 5}
HIDDEN = {"dim": "hidden", "kind": "feature", "size": 4}
DIMS5 = {"data": {"dim_tags": [BATCH, TIME, FEAT]}}


def to_returnn_dims(value, _cache=None):
    """The value with each JSON Dim as a RETURNN Dim: one Dim object per description (as a config makes each once),
    `batch_dim`/`single_step_dim` as RETURNN's own, derived dims by RETURNN's own arithmetic on their inputs."""
    from returnn.tensor import Dim, batch_dim, single_step_dim

    cache = {} if _cache is None else _cache
    if isinstance(value, dict) and isinstance(value.get("dim"), str) and "kind" in value:
        if value["kind"] == "batch":
            return batch_dim
        if value.get("special"):
            return single_step_dim
        if value["dim"] in cache:
            return cache[value["dim"]]
        if "derived" in value:
            a, b = (to_returnn_dims(x, cache) for x in value["derived"]["inputs"])
            op = value["derived"]["op"]
            d = {"add": lambda: a + b, "mul": lambda: a * b, "floordiv": lambda: a // b, "truediv": lambda: a.div_right(b),
                 "truediv_left": lambda: a.div_left(b), "ceildiv": lambda: a.ceildiv_right(b), "ceildiv_left": lambda: a.ceildiv_left(b)}[op]()
            assert d.description == value["dim"], (d.description, value["dim"])
        else:
            kind = {"spatial": Dim.Types.Spatial, "feature": Dim.Types.Feature, "unspecified": None}[value["kind"]]
            d = Dim(value["size"], name=value["dim"], **({"kind": kind} if kind else {}))
        cache[value["dim"]] = d
        return d
    if isinstance(value, dict):
        out = {k: to_returnn_dims(v, cache) for k, v in value.items()}
        if isinstance(out.get("out_shape"), list):
            out["out_shape"] = set(out["out_shape"])
        return out
    if isinstance(value, list):
        return [to_returnn_dims(v, cache) for v in value]
    return value


_DIM_CACHE = {}


def d(name, network, outputs=("output",), extern_data=DIMS5, **kw):
    """A case whose dicts hold JSON Dims: RETURNN gets them as Dims, one cache per case (shared by extern_data and network)."""
    cache = _DIM_CACHE.setdefault(name, {})
    return c(name, network, outputs, extern_data, returnn_extern_data=lambda e: to_returnn_dims(e, cache),
             returnn_network=lambda n: to_returnn_dims(n, cache), **kw)


CASES = [
    d("dims_f_linear_out_dim_reduce_axis", {
        "lin": {"class": "linear", "activation": "tanh", "from": "data", "in_dim": FEAT, "out_dim": HIDDEN},
        "output": {"class": "reduce", "mode": "max", "from": "lin", "axis": TIME, "out_shape": [BATCH, HIDDEN]},
    }, outputs=["lin", "output"]),
    d("dims_f_conv_spatial_dims", {
        "output": {"class": "conv", "from": "data", "filter_size": [3], "strides": 2, "padding": "same", "activation": None,
                   "in_spatial_dims": [TIME], "out_spatial_dims": [{"dim": "conv-out", "kind": "spatial", "size": None}],
                   "out_dim": HIDDEN},
    }, n_time=7, seq_lens={"data:size1": [7, 6, 3]}),
    d("dims_f_pool_spatial_dims", {
        "output": {"class": "pool", "mode": "max", "from": "data", "pool_size": [2], "padding": "same",
                   "in_spatial_dims": [TIME], "out_spatial_dims": [{"dim": "pool-out", "kind": "spatial", "size": None}],
                   "out_shape": [BATCH, {"dim": "pool-out", "kind": "spatial", "size": None}, FEAT]},
    }),
    d("dims_f_variable_shape_dims", {
        "bias": {"class": "variable", "shape": [HIDDEN]},
        "lin": {"class": "linear", "activation": None, "with_bias": False, "from": "data", "out_dim": HIDDEN},
        "output": {"class": "combine", "kind": "add", "from": ["lin", "bias"], "out_shape": [BATCH, TIME, HIDDEN]},
    }),
    d("dims_f_reduce_axis_feat", {
        "output": {"class": "reduce", "mode": "mean", "from": "data", "axis": FEAT, "out_shape": [BATCH, TIME]},
    }),
]
