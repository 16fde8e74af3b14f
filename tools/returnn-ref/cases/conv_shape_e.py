"""Cases: conv and transposed_conv options beyond the base cases (in_spatial_dims on a feature-major input,
auto_use_channel_first, strides together with dilation_rate, a valid window longer than the batch's time axis),
slice_nd with size None, resize with a factor from a layer."""
from .basic import SEQ5, c

FEATURE_MAJOR = {"data": {"dim": 5, "shape": (5, None)}}  # [B, D, T]
SPEC = {"data": {"shape": (None, 6, 2)}}  # time x frequency x channel

CASES = [
    c("transposed_conv_in_spatial_dims_feature_major", {
        "split": {"class": "split_dims", "from": "data", "axis": "T", "dims": [-1, 1]},
        "output": {"class": "transposed_conv", "from": "split", "in_spatial_dims": ["T", "dim:1"], "n_out": 3, "filter_size": [2, 2],
                   "strides": [2, 2], "padding": "valid", "activation": None, "with_bias": True},
    }, extern_data=FEATURE_MAJOR),
    c("conv2d_auto_use_channel_first", {
        "output": {"class": "conv", "filter_size": (3, 3), "padding": "same", "n_out": 3, "auto_use_channel_first": True,
                   "in_spatial_dims": ["T", "dim:6"], "from": "data"},
    }, extern_data=SPEC),
    c("conv1d_stride_dilation_valid", {
        "output": {"class": "conv", "filter_size": (2,), "strides": (2,), "dilation_rate": (2,), "padding": "valid", "n_out": 4,
                   "from": "data"},
    }, n_time=9, seq_lens={"data:size1": [9, 8, 5]}),
    c("conv1d_stride_dilation_same", {
        "output": {"class": "conv", "filter_size": (3,), "strides": 3, "dilation_rate": 2, "padding": "same", "n_out": 3,
                   "activation": "tanh", "from": "data"},
    }, n_time=10, seq_lens={"data:size1": [10, 7, 4]}),
    c("conv1d_valid_window_longer_than_time", {
        "filt": {"class": "variable", "shape": (6, 5, 4), "init": "glorot_uniform"},
        "output": {"class": "conv", "filter_size": (6,), "strides": 2, "n_out": 4, "padding": "valid", "filter": "filt", "from": "data"},
    }, n_time=5, seq_lens={"data:size1": [5, 3, 2]}),
    c("conv1d_valid_window_longer_than_some_seqs", {
        "output": {"class": "conv", "filter_size": (6,), "strides": 2, "n_out": 2, "padding": "valid", "from": "data"},
    }, n_time=7, seq_lens={"data:size1": [7, 5, 4]}),
    c("slice_nd_size_none_start_per_seq", {
        "len": {"class": "length", "from": "data"},
        "start": {"class": "eval", "from": "len", "eval": "source(0) // 2"},
        "slices": {"class": "slice_nd", "from": "data", "start": "start", "size": None},
        "output": {"class": "reduce", "mode": "sum", "axis": "T", "from": "slices"},
    }, outputs=["slices", "output"]),
    c("slice_nd_size_none_start_batch_index", {
        "start": {"class": "range_in_axis", "from": "data", "axis": "b"},
        "output": {"class": "slice_nd", "from": "data", "start": "start", "size": None},
    }),
    c("slice_nd_size_none_int_start", {"output": {"class": "slice_nd", "from": "data", "start": 2, "size": None}}),
    c("slice_nd_size_none_int_start_min_size", {
        "output": {"class": "slice_nd", "from": "data", "start": 3, "size": None, "min_size": 2},
    }, n_time=7, seq_lens={"data:size1": [7, 4, 3]}),
    c("resize_factor_layer_float", {
        "output": {"class": "resize", "axis": "T", "factor": "data:factor", "kind": "nn", "from": "data"},
    }, extern_data={"data": {"shape": (None, 3)}, "factor": {"shape": (), "batch_dim_axis": None, "dtype": "float32"}},
        input_values={"factor": 0.6}, n_time=7, seq_lens={"data:size1": [7, 5, 4]}),
    c("resize_factor_layer_int", {
        "output": {"class": "resize", "axis": "T", "factor": "data:factor", "from": "data"},
    }, extern_data={"data": {"shape": (None, 3)}, "factor": {"shape": (), "batch_dim_axis": None, "dtype": "int32"}},
        input_values={"factor": 3}),
    c("resize_factor_fraction_down", {
        "lin": {"class": "linear", "activation": "tanh", "n_out": 4, "from": "data"},
        "output": {"class": "resize", "axis": "T", "factor": 0.5, "from": "lin"},
    }, n_time=7, seq_lens={"data:size1": [7, 6, 3]}),
    c("resize_factor_fraction_up", {"output": {"class": "resize", "axis": "T", "factor": 1.7, "from": "data"}},
      n_time=6, seq_lens={"data:size1": [6, 5, 1]}),
    c("merge_dims_batch_two_time_axes", {
        "merge": {"class": "merge_dims", "from": "data", "axes": ["B", "T"]},
        "lin": {"class": "linear", "activation": "tanh", "n_out": 3, "from": "merge"},
        "lin_split": {"class": "split_batch_time", "from": "lin", "base": "data"},
        "output": {"class": "split_batch_time", "from": "merge"},
    }, extern_data={"data": {"shape": (None, None, 4)}}, n_time=5,
        seq_lens={"data:size1": [5, 3, 2], "data:size2": [4, 5, 2]}, outputs=["merge", "lin_split", "output"]),
    c("reduce_axes_dim_tag_after_conv", {
        "split": {"class": "split_dims", "axis": "F", "dims": [3, 4], "from": "data"},
        "swap": {"class": "swap_axes", "axis1": "dim:3", "axis2": "dim:4", "from": "split"},
        "conv": {"class": "conv", "n_out": 2, "filter_size": (3, 3), "auto_use_channel_first": False, "in_spatial_dims": ["T", "dim:4"],
                 "padding": "SAME", "with_bias": False, "from": "swap"},
        "output": {"class": "reduce", "mode": "mean", "axes": "dim:4", "keep_dims": False, "from": "conv"},
    }, extern_data={"data": {"shape": (None, 12)}}),
]
