"""Cases: TF's reductions in eval strings (`tf.reduce_mean/sum/max/min/prod`, also as `tf.math.*`, with `axis` and
`keepdims` as TF 2 has them), and an eval whose `out_type` is a batchless scalar (`shape: ()`, `batch_dim_axis: None`),
on its own and inside a rec unit (RETURNN EvalLayer: Python's eval of the string, out_type as the output Data)."""
from .basic import c

SEQ5 = {"data": {"shape": (None, 5)}}
SCALAR = {"shape": (), "dtype": "float32", "batch_dim_axis": None, "time_dim_axis": None}

CASES = [
    # The mean of all entries (padded frames too, as TF's reduce_mean sees the whole tensor): a scalar without batch.
    c("eval_reduce_j_scalar_mean", {
        "lin": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data"},
        "output": {"class": "eval", "from": "lin", "eval": "tf.reduce_mean(source(0, auto_convert=False))", "out_type": SCALAR},
    }, outputs=["output", "lin"], seq_lens={"data:size1": [7, 7, 7]}),
    # Feature-axis reductions with keepdims, brought back to the input's shape by broadcasting.
    c("eval_reduce_j_feature_axis_keepdims", {
        "output": {"class": "eval", "from": "data",
                   "eval": "source(0) - tf.reduce_mean(source(0), axis=-1, keepdims=True)"
                           " + tf.math.reduce_max(source(0), 2, True) * tf.reduce_min(source(0), axis=[-1], keepdims=True)"},
    }),
    c("eval_reduce_j_sum_prod_tuple_axis", {
        "output": {"class": "eval", "from": "data",
                   "eval": "source(0) * tf.reduce_prod(source(0), axis=(2,), keepdims=True)"
                           " + tf.math.reduce_sum(source(0), axis=-1, keepdims=True)"},
    }),
    # A scalar per frame inside a rec unit (RETURNN keeps it in the loop: it reads the frame), broadcast onto the frame.
    c("eval_reduce_j_scalar_in_rec", {
        "output": {"class": "rec", "from": "data", "unit": {
            "lin": {"class": "linear", "activation": "tanh", "n_out": 4, "from": ["data:source", "prev:output"]},
            "m": {"class": "eval", "from": "lin", "eval": "tf.reduce_max(source(0, auto_convert=False))", "out_type": SCALAR},
            "output": {"class": "combine", "kind": "mul", "from": ["lin", "m"], "allow_broadcast_all_sources": True},
        }},
    }),
    # RETURNN's py_print passes its value through (printing tf.shape of it); in a rec unit, per frame.
    c("eval_reduce_j_py_print_shape", {
        "output": {"class": "rec", "from": "data", "unit": {
            "lin": {"class": "linear", "activation": "tanh", "n_out": 4, "from": ["data:source", "prev:output"]},
            "output": {"class": "eval", "from": "lin", "eval": "py_print(source(0), ['shape', tf.shape(source(0))]) * 2."},
        }},
    }),
]
