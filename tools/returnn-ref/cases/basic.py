"""Cases: feed-forward classes (linear, softmax, activation, copy, combine, eval, dropout, norms)."""

SEQ5 = {"data": {"shape": (None, 5)}}
SEQ6 = {"data": {"shape": (None, 6)}}
SPARSE = {"data": {"shape": (None,), "sparse": True, "dim": 11}}


def c(name, network, outputs=("output",), extern_data=None, **kw):
    return dict(name=name, network=network, outputs=list(outputs), extern_data=extern_data or SEQ5, **kw)


CASES = [
    c("linear_relu", {"output": {"class": "linear", "activation": "relu", "n_out": 7, "from": "data"}}),
    c("linear_no_bias", {"output": {"class": "linear", "activation": None, "with_bias": False, "n_out": 4, "from": "data"}}),
    c("linear_tanh_default_from", {"output": {"class": "linear", "activation": "tanh", "n_out": 6}}),
    c("linear_extern_data_dim_only", {"output": {"class": "linear", "activation": "sigmoid", "n_out": 3, "from": "data"}},
      extern_data={"data": {"dim": 5}}, description="extern_data written with `dim` only (RETURNN: shape (None, dim))"),
    c("linear_sparse_embedding", {"output": {"class": "linear", "activation": None, "with_bias": False, "n_out": 6, "from": "data"}},
      extern_data=SPARSE),
    c("linear_stack", {
        "l1": {"class": "linear", "activation": "relu", "n_out": 8, "from": "data"},
        "l2": {"class": "linear", "activation": "tanh", "n_out": 8, "from": "l1"},
        "output": {"class": "linear", "activation": None, "n_out": 3, "from": ["l1", "l2"]},
    }, outputs=["l1", "output"]),
    c("softmax", {"output": {"class": "softmax", "n_out": 6, "from": "data"}}),
    c("softmax_sparse_target", {"output": {"class": "softmax", "loss": "ce", "target": "classes", "from": "data"}},
      extern_data={"data": {"shape": (None, 5)}, "classes": {"shape": (None,), "sparse": True, "dim": 4}}),
    c("activation_kinds", {
        "relu": {"class": "activation", "activation": "relu", "from": "data"},
        "tanh": {"class": "activation", "activation": "tanh", "from": "data"},
        "sigmoid": {"class": "activation", "activation": "sigmoid", "from": "data"},
        "elu": {"class": "activation", "activation": "elu", "from": "data"},
        "softplus": {"class": "activation", "activation": "softplus", "from": "data"},
        "swish": {"class": "activation", "activation": "swish", "from": "data"},
        "log_softmax": {"class": "activation", "activation": "log_softmax", "from": "data"},
        "abs": {"class": "activation", "activation": "abs", "from": "data"},
        "exp": {"class": "activation", "activation": "exp", "from": "data"},
        "output": {"class": "activation", "activation": "softmax", "from": "data"},
    }, outputs=["relu", "tanh", "sigmoid", "elu", "softplus", "swish", "log_softmax", "abs", "exp", "output"]),
    c("activation_gelu", {"output": {"class": "activation", "activation": "gelu", "from": "data"}}),
    c("copy_concat", {
        "a": {"class": "linear", "activation": None, "n_out": 3, "from": "data"},
        "b": {"class": "linear", "activation": None, "n_out": 2, "from": "data"},
        "output": {"class": "copy", "from": ["a", "b", "data"]},
    }),
    c("copy_single", {"output": {"class": "copy", "from": "data"}}),
    c("combine_kinds", {
        "a": {"class": "linear", "activation": None, "n_out": 4, "from": "data"},
        "b": {"class": "linear", "activation": "sigmoid", "n_out": 4, "from": "data"},
        "add": {"class": "combine", "kind": "add", "from": ["a", "b"]},
        "sub": {"class": "combine", "kind": "sub", "from": ["a", "b"]},
        "mul": {"class": "combine", "kind": "mul", "from": ["a", "b"]},
        "truediv": {"class": "combine", "kind": "truediv", "from": ["a", "b"]},
        "maximum": {"class": "combine", "kind": "maximum", "from": ["a", "b"]},
        "minimum": {"class": "combine", "kind": "minimum", "from": ["a", "b"]},
        "average": {"class": "combine", "kind": "average", "from": ["a", "b"]},
        "squared_difference": {"class": "combine", "kind": "squared_difference", "from": ["a", "b"]},
        "output": {"class": "combine", "kind": "add", "from": ["a", "b", "a"]},
    }, outputs=["add", "sub", "mul", "truediv", "maximum", "minimum", "average", "squared_difference", "output"]),
    c("combine_logical", {
        "a": {"class": "compare", "kind": "greater", "value": 0.0, "from": "data"},
        "b": {"class": "compare", "kind": "less", "value": 0.5, "from": "data"},
        "and": {"class": "combine", "kind": "logical_and", "from": ["a", "b"]},
        "output": {"class": "combine", "kind": "logical_or", "from": ["a", "b"]},
    }, outputs=["and", "output"]),
    c("combine_eval", {
        "a": {"class": "linear", "activation": None, "n_out": 5, "from": "data"},
        "output": {"class": "combine", "kind": "eval", "eval": "source(0) * 2.0 + source(1)", "from": ["a", "data"]},
    }),
    c("combine_broadcast_time", {
        "mean": {"class": "reduce", "mode": "mean", "axis": "T", "from": "data"},
        "output": {"class": "combine", "kind": "sub", "from": ["data", "mean"]},
    }),
    c("eval_expressions", {
        "sq": {"class": "eval", "eval": "source(0) ** 2", "from": "data"},
        "tanh": {"class": "eval", "eval": "tf.tanh(source(0)) * 0.5 + 1.0", "from": "data"},
        "output": {"class": "eval", "eval": "tf.exp(-tf.abs(source(0)))", "from": "data"},
    }, outputs=["sq", "tanh", "output"]),
    c("dropout_inference", {
        "drop": {"class": "dropout", "dropout": 0.3, "from": "data"},
        "output": {"class": "linear", "activation": "relu", "n_out": 4, "dropout": 0.5, "from": "drop"},
    }, outputs=["drop", "output"]),
    c("batch_norm_v0", {"output": {"class": "batch_norm", "from": "data"}}),
    c("batch_norm_v12", {"output": {"class": "batch_norm", "masked_time": True, "from": "data"}}, behavior_version=12),
    c("batch_norm_options", {"output": {"class": "batch_norm", "from": "data", "use_shift": True, "use_std": True,
                                        "epsilon": 1e-3, "momentum": 0.1, "masked_time": True, "param_version": 2}},
      behavior_version=12),
    c("batch_norm_after_linear", {
        "lin": {"class": "linear", "activation": None, "n_out": 6, "from": "data", "with_bias": False},
        "output": {"class": "batch_norm", "masked_time": False, "from": "lin"},
    }, behavior_version=12),
    c("layer_norm", {"output": {"class": "layer_norm", "from": "data"}}),
    c("layer_norm_v12", {"output": {"class": "layer_norm", "from": "data"}}, behavior_version=12),
    c("norm_f", {"output": {"class": "norm", "axis": "F", "from": "data"}}),
]
