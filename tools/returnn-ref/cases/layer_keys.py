"""Cases: layer keys and axis descriptions of RETURNN's own test nets (split_dims' lower-case axes, length's axis/dtype/sparse,
range_from_length over the batch, dropout's noise axes, conv's filter layer and constant init, positional_encoding's constant,
self_attention's key_shift, unflatten_batch), each a dict written for the feature."""
from .basic import SEQ5, SEQ6, c

CASES = [
    c("split_dims_axis_lower_f", {"output": {"class": "split_dims", "axis": "f", "dims": (-1, 3), "from": "data"}}, extern_data=SEQ6),
    c("split_dims_axis_lower_t", {"output": {"class": "split_dims", "axis": "t", "dims": (-1, 1), "from": "data"}}),
    c("length_axis_t_float", {
        "len": {"class": "length", "axis": "t", "dtype": "float32", "from": "data"},
        "output": {"class": "combine", "kind": "mul", "from": ["len", "len"]},
    }, outputs=["len", "output"]),
    c("length_axis_static_sparse", {
        "len_f": {"class": "length", "axis": "F", "from": "data"},
        "output": {"class": "length", "axis": "T", "sparse": True, "from": "data"},
    }, outputs=["len_f", "output"]),
    c("length_axis_b_after_flatten", {
        "flat": {"class": "flatten_batch", "from": "data"},
        "output": {"class": "length", "axis": "B", "from": "flat"},
    }, outputs=["flat", "output"]),
    c("range_from_length_over_batch", {
        "batch_len": {"class": "length", "axis": "B", "from": "data"},
        "range": {"class": "range_from_length", "from": "batch_len"},
        "output": {"class": "cast", "dtype": "float32", "from": "range"},
    }, outputs=["batch_len", "range", "output"]),
    # Dropout is off in the fixtures (train_flag=False): RETURNN and Strata take the keys and pass the values through.
    c("dropout_axis_and_noise_shape", {
        "drop": {"class": "dropout", "dropout": 0.3, "dropout_axis": ["T", "F"], "from": "data"},
        "output": {"class": "linear", "activation": None, "n_out": 3, "dropout": 0.2, "dropout_noise_shape": {"*": None}, "from": "drop"},
    }, outputs=["drop", "output"]),
    c("positional_encoding_constant", {"output": {"class": "positional_encoding", "add_to_input": False, "constant": 5, "n_out": 6, "from": "data"}}),
    c("positional_encoding_offset_scalar", {
        "offset": {"class": "constant", "value": 2},
        "output": {"class": "positional_encoding", "add_to_input": True, "offset": "offset", "from": "data"},
    }),
    c("positional_encoding_constant_offset_per_seq", {
        "len": {"class": "length", "from": "data"},
        "output": {"class": "positional_encoding", "add_to_input": False, "constant": 1, "offset": "len", "n_out": 4, "from": "data"},
    }),
    c("conv_filter_from_layer", {
        "filt": {"class": "variable", "shape": (3, 5, 4), "init": "glorot_uniform"},
        "output": {"class": "conv", "filter_size": (3,), "padding": "same", "n_out": 4, "with_bias": True, "filter": "filt", "from": "data"},
    }),
    c("conv_filter_from_layer_valid_strided", {
        "filt": {"class": "variable", "shape": (2, 5, 3), "init": "glorot_uniform"},
        "output": {"class": "conv", "filter_size": (2,), "strides": 2, "padding": "valid", "n_out": 3, "filter": "filt", "from": "data"},
    }, behavior_version=12),
    c("conv_forward_weights_init_number", {"output": {"class": "conv", "filter_size": (2,), "padding": "valid", "n_out": 3, "with_bias": False,
                                                      "forward_weights_init": 0.5, "from": "data"}}),
    c("self_attention_key_shift_rel_pos", {
        "rel_pos": {"class": "relative_positional_encoding", "from": "data", "n_out": 3},
        "output": {"class": "self_attention", "num_heads": 2, "total_key_dim": 6, "n_out": 4, "attention_left_only": False,
                   "key_shift": "rel_pos", "from": "data"},
    }, outputs=["rel_pos", "output"]),
    c("self_attention_key_shift_left_only", {
        "rel_pos": {"class": "relative_positional_encoding", "from": "data", "n_out": 2, "clipping": 3},
        "output": {"class": "self_attention", "num_heads": 1, "total_key_dim": 2, "n_out": 3, "attention_left_only": True,
                   "key_shift": "rel_pos", "from": "data"},
    }),
    c("unflatten_batch", {
        "flat": {"class": "flatten_batch", "from": "data"},
        "output": {"class": "unflatten_batch", "from": "flat"},
    }),
    c("unflatten_batch_time_major", {
        "flat": {"class": "flatten_batch", "batch_major": False, "from": "data"},
        "output": {"class": "unflatten_batch", "from": "flat"},
    }, outputs=["flat", "output"]),
    c("unflatten_batch_after_linear", {
        "flat": {"class": "flatten_batch", "from": "data"},
        "lin": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "flat"},
        "output": {"class": "unflatten_batch", "from": "lin"},
    }),
    c("reduce_over_batch_and_time", {
        "mean_bt": {"class": "reduce", "mode": "mean", "axis": ["B", "T"], "from": "data"},
        "sum_bt": {"class": "reduce", "mode": "sum", "axes": ["B", "T"], "from": "data"},
        "max_bt": {"class": "reduce", "mode": "max", "axis": ["b", "t"], "from": "data"},
        "min_btf": {"class": "reduce", "mode": "min", "axis": ["B", "T", "F"], "from": "data"},
        "output": {"class": "reduce", "mode": "avg", "axis": ["B", "T", "F"], "from": "data"},
    }, outputs=["mean_bt", "sum_bt", "max_bt", "min_btf", "output"]),
    c("reduce_lengths_over_batch", {
        "len": {"class": "length", "from": "data"},
        "output": {"class": "reduce", "mode": "max", "axis": "B", "out_shape": (), "from": "len"},
    }),
    c("range_in_axis_batch", {
        "range": {"class": "range_in_axis", "axis": "b", "from": "data"},
        "output": {"class": "cast", "dtype": "float32", "from": "range"},
    }, outputs=["range", "output"]),
    c("concat_ranges_over_time", {
        "range": {"class": "range_in_axis", "axis": "T", "from": "data"},
        "range_f": {"class": "range_in_axis", "axis": "F", "from": "data"},
        "output": {"class": "concat", "from": [("range", "T"), ("range_f", "F"), ("range", "T")]},
    }),
    c("transpose_batch_time_then_dot", {
        "a": {"class": "copy", "from": "data"},
        "b": {"class": "transpose", "from": "a", "perm": {"B": "T", "T": "B"}},
        "output": {"class": "dot", "from": ["a", "b"], "red1": "F", "red2": "F", "var1": None, "var2": None},
    }, outputs=["b", "output"], behavior_version=12),
    c("transpose_batch_second", {
        "output": {"class": "transpose", "from": "data", "perm": ["dim:4", "B", "T", "F"]},
    }, extern_data={"data": {"shape": (None, 4, 3)}}),
    c("merge_dims_batch_time", {"output": {"class": "merge_dims", "axes": ["B", "T"], "keep_order": True, "from": "data"}}),
    c("merge_dims_time_batch_keep_order", {"output": {"class": "merge_dims", "axes": ["T", "B"], "keep_order": True, "from": "data"}}),
    c("merge_dims_time_batch_old_order", {"output": {"class": "merge_dims", "axes": ["T", "B"], "from": "data"}}),
    c("merge_dims_batch_static_then_linear", {
        "merged": {"class": "merge_dims", "axes": ["dim:4", "B"], "keep_order": True, "from": "data"},
        "output": {"class": "linear", "activation": None, "n_out": 2, "from": "merged"},
    }, extern_data={"data": {"shape": (4, 3)}}, outputs=["merged", "output"]),
    c("top_k_two_axes", {
        "output": {"class": "top_k", "from": "data", "axis": ("dim:3", "dim:4"), "k": 3},
        "idx0": {"class": "copy", "from": "output/indices0"},
        "idx1": {"class": "copy", "from": "output/indices1"},
    }, extern_data={"data": {"shape": (None, 3, 4)}}, outputs=["output", "idx0", "idx1"]),
]
