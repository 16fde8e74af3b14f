"""Cases: RETURNN test nets as they are (issue #15, group f): int64 sparse extern data (TF's usual label dtype,
held as int32 by Strata), transposed_conv's out_size after a pool, ..."""
from .basic import c
from .dims_f import BATCH, FEAT, TIME, d

INT64_LABELS = {"data": {"dim": 11, "dtype": "int64", "sparse": True}}

CASES = [
    # int64 sparse labels as a linear's input (one-hot embedding) and gathered by their value.
    c("as_is_f_int64_sparse_embedding", {
        "embed": {"class": "linear", "activation": None, "n_out": 4, "from": "data"},
        "output": {"class": "linear", "activation": "tanh", "n_out": 3, "from": "embed"},
    }, outputs=["embed", "output"], extern_data=INT64_LABELS),
    c("as_is_f_int64_sparse_compare", {
        "output": {"class": "compare", "kind": "greater", "value": 4, "from": "data"},
    }, extern_data=INT64_LABELS),
    # transposed_conv whose out_spatial_dims names the extern time Dim (a known Dim): TF's conv2d_transpose gets that
    # axis' length as output_shape, so the pooled-then-upsampled frames line up with the input again.
    d("as_is_f_transposed_conv_out_time_pool_same", {
        "down": {"class": "pool", "mode": "avg", "pool_size": [2], "from": "data", "padding": "same"},
        "up": {"class": "transposed_conv", "filter_size": [3], "strides": [2], "from": "down", "padding": "same",
               "activation": "tanh", "out_spatial_dims": [TIME], "out_dim": FEAT},
        "output": {"class": "combine", "from": ["up", "data"], "kind": "sub"},
    }, outputs=["up", "output"], n_time=7, seq_lens={"data:size1": [7, 6, 3]}),
    d("as_is_f_transposed_conv_out_time_pool_valid", {
        "down": {"class": "pool", "mode": "max", "pool_size": [2], "from": "data", "padding": "valid"},
        "up": {"class": "transposed_conv", "filter_size": [2], "from": "down", "padding": "valid",
               "out_spatial_dims": [TIME], "out_dim": FEAT},
        "output": {"class": "combine", "from": ["up", "data"], "kind": "add"},
    }, outputs=["up", "output"], n_time=7, seq_lens={"data:size1": [7, 5, 4]}),
    d("as_is_f_transposed_conv_out_time_stride3", {
        "down": {"class": "pool", "mode": "avg", "pool_size": [3], "from": "data", "padding": "same"},
        "up": {"class": "transposed_conv", "filter_size": [4], "strides": [3], "from": "down", "padding": "same",
               "out_spatial_dims": [TIME], "out_dim": {"dim": "up-feat", "kind": "feature", "size": 3}},
        "output": {"class": "reduce", "mode": "sum", "from": "up", "axis": TIME, "out_shape": [BATCH, {"dim": "up-feat", "kind": "feature", "size": 3}]},
    }, outputs=["up", "output"], n_time=8, seq_lens={"data:size1": [8, 7, 2]}),
    # param_dropout (RETURNN's weight dropout): the params as they are in evaluation, with reuse_params too.
    c("as_is_f_param_dropout_reuse", {
        "a": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data", "param_dropout": 0.3},
        "b": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data", "reuse_params": "a",
              "param_dropout": 0.5, "param_dropout_min_ndim": 2},
        "output": {"class": "combine", "kind": "add", "from": ["a", "b"]},
    }, outputs=["a", "output"]),
    # RETURNN's LossLayer (class "loss"): ce per frame of its source against target_, not reduced; use_error and the
    # sub-layers "<name>/loss", "<name>/error". Layer names with "-" (RETURNN's TF scopes: "enc-out" -> "enc__out").
    # The target is available for inference, so that RETURNN's evaluation build computes the loss layers (it leaves
    # layers that need a target as templates otherwise).
    c("as_is_f_loss_layer_ce", {
        "enc-out": {"class": "linear", "activation": "relu", "n_out": 6, "from": "data"},
        "prob": {"class": "softmax", "from": "enc-out", "n_out": 4},
        "prob-ce": {"class": "loss", "from": "prob", "loss_": "ce", "target_": "classes"},
        "prob-err": {"class": "loss", "from": "prob", "loss_": "ce", "use_error": True},
        "err_copy": {"class": "copy", "from": "prob-ce/error"},
        "loss_copy": {"class": "copy", "from": "prob-err/loss"},
        "output": {"class": "copy", "from": "prob-ce"},
    }, outputs=["prob", "prob-ce", "prob-err", "err_copy", "loss_copy", "output"],
       extern_data={"data": {"shape": (None, 5)}, "classes": {"shape": (None,), "sparse": True, "dim": 4, "dtype": "int64",
                                                                  "available_for_inference": True}}),
]
