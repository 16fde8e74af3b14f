"""Cases: the options of dot, norm, seq_len_mask, combine_dims, flatten_batch, reinterpret_data, transposed_conv,
slice_nd, scatter_nd, unflatten_nd, relative_positional_encoding and reduce argmax/argmin beyond the base cases."""
from .basic import SEQ5, c

IMG = {"data": {"shape": (3, 4, 2)}}  # static image [B, 3, 4, 2]
SEQ43 = {"data": {"shape": (None, 4, 3)}}

CASES = [
    c("dot_reduce_time", {
        "a": {"class": "linear", "activation": None, "n_out": 4, "from": "data"},
        "b": {"class": "linear", "activation": None, "n_out": 3, "from": "data"},
        "output": {"class": "dot", "from": ["a", "b"], "red1": "T", "red2": "T", "var1": "F", "var2": "F"},
    }),
    c("dot_reduce_arg", {
        "a": {"class": "linear", "activation": None, "n_out": 4, "from": "data"},
        "output": {"class": "dot", "from": ["a", "data"], "reduce": "T", "var1": "F", "var2": "F"},
    }),
    c("norm_tf", {"output": {"class": "norm", "axes": "TF", "from": "data"}}),
    c("norm_no_params", {"output": {"class": "norm", "axis": "F", "scale": False, "bias": False, "epsilon": 1e-3, "from": "data"}}),
    c("norm_param_shape", {"output": {"class": "norm", "axes": "except_batch", "param_shape": "dim:4", "from": "data"}}, extern_data=SEQ43),
    c("seq_len_mask_linear", {
        "lin": {"class": "linear", "activation": "tanh", "n_out": 3, "from": "data"},
        "output": {"class": "seq_len_mask", "mask_value": -10.0, "axis": "T", "from": "lin"},
    }),
    c("combine_dims_feature_first", {"output": {"class": "combine_dims", "axes": ["F", "dim:4"], "from": "data"}}, extern_data=SEQ43),
    c("flatten_batch_time_major", {"output": {"class": "flatten_batch", "batch_major": False, "from": "data"}}),
    c("reinterpret_data_size_base", {
        "lin": {"class": "linear", "activation": None, "n_out": 3, "from": "data"},
        "output": {"class": "reinterpret_data", "from": "lin", "size_base": "data", "enforce_batch_major": True},
    }),
    c("reduce_argmax_t", {
        "max_t": {"class": "reduce", "mode": "argmax", "axis": "T", "from": "data"},
        "output": {"class": "reduce", "mode": "argmin", "axis": "F", "from": "data"},
    }, outputs=["max_t", "output"]),
    c("transposed_conv_1d_overlap", {"output": {"class": "transposed_conv", "filter_size": [3], "strides": [2], "padding": "valid",
                                                "n_out": 2, "from": "data"}}),
    c("transposed_conv_1d_remove_padding", {"output": {"class": "transposed_conv", "filter_size": [4], "strides": [2], "padding": "same",
                                                       "remove_padding": 1, "n_out": 3, "with_bias": False, "from": "data"}}),
    c("transposed_conv_1d_default_strides", {"output": {"class": "transposed_conv", "filter_size": [2], "n_out": 3, "activation": "tanh",
                                                        "from": "data"}}),
    c("transposed_conv_1d_output_padding", {"output": {"class": "transposed_conv", "filter_size": [3], "strides": [2], "padding": "valid",
                                                       "output_padding": [1], "n_out": 2, "from": "data"}}),
    c("transposed_conv_2d", {"output": {"class": "transposed_conv", "filter_size": [3, 2], "strides": [2, 2], "n_out": 3, "from": "data"}},
      extern_data=IMG),
    c("transposed_conv_2d_valid", {"output": {"class": "transposed_conv", "filter_size": [2, 3], "strides": [1, 2], "padding": "valid",
                                              "n_out": 2, "from": "data"}}, extern_data=IMG),
    c("slice_nd_int_start", {"output": {"class": "slice_nd", "from": "data", "start": 2, "size": 3}}),
    c("slice_nd_start_per_seq", {
        "len": {"class": "length", "from": "data"},
        "start": {"class": "eval", "from": "len", "eval": "source(0) - 2"},
        "output": {"class": "slice_nd", "from": "data", "start": "start", "size": 3},
    }),
    c("relative_positional_encoding_clip2", {"output": {"class": "relative_positional_encoding", "n_out": 5, "clipping": 2, "fixed": True,
                                                        "from": "data"}}),
    c("unflatten_nd_3", {"output": {"class": "unflatten_nd", "from": "data", "sizes": "data:sizes", "num_axes": 3}},
      extern_data={"data": {"shape": (None, 2)}, "sizes": {"shape": (3,), "dtype": "int32"}},
      n_time=8, seq_lens={"data:size1": [8, 6, 4]}, input_values={"sizes": [[2, 2, 2], [1, 2, 3], [2, 1, 2]]}),
]
