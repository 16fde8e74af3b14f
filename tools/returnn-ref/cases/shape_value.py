"""Cases: RETURNN's shape and value classes beyond shape.py's (pad modes and dynamic dims, shift_axis with lengths,
tile/squeeze/expand_dims on other axes, constant/range/variable options, switch with layers)."""
from .basic import c

SEQ5 = {"data": {"shape": (None, 5)}}
SEQ43 = {"data": {"shape": (None, 4, 3)}}

CASES = [
    c("cumsum_f_summand", {"output": {"class": "cumsum", "axis": "F", "additional_left_summand_per_element": 0.5, "from": "data"}}),
    c("pad_time_handle_dynamic", {"output": {"class": "pad", "axes": "T", "padding": (1, 2), "value": -1.5, "handle_dynamic_dims": True, "from": "data"}}),
    c("pad_time_v21", {"output": {"class": "pad", "axes": "T", "padding": (0, 2), "value": 2.0, "from": "data"}}, behavior_version=21),
    c("pad_reflect_f", {"output": {"class": "pad", "axes": "F", "padding": (2, 3), "mode": "reflect", "from": "data"}}),
    c("pad_symmetric_f", {"output": {"class": "pad", "axes": "F", "padding": (3, 1), "mode": "SYMMETRIC", "from": "data"}}),
    c("pad_replication_f", {"output": {"class": "pad", "axes": "F", "padding": [(1, 4)], "mode": "replication", "from": "data"}}),
    c("pad_value_layer", {
        "v": {"class": "constant", "value": 0.75},
        "output": {"class": "pad", "axes": "T", "padding": (2, 1), "value": "v", "handle_dynamic_dims": True, "from": "data"},
    }),
    c("pad_two_axes", {"output": {"class": "pad", "axes": ["dim:4", "F"], "padding": [(1, 0), (0, 2)], "value": 0.25, "from": "data"}},
      extern_data=SEQ43),
    c("tile_dim4", {"output": {"class": "tile", "multiples": {"dim:4": 2, "F": 1}, "from": "data"}}, extern_data=SEQ43),
    c("repeat_t_by_layer", {
        "reps": {"class": "reduce", "mode": "argmax", "axis": "F", "from": "data"},
        "output": {"class": "repeat", "repetitions": "reps", "axis": "T", "from": "data"},
    }),
    c("repeat_t_3", {"output": {"class": "repeat", "repetitions": 3, "axis": "stag:time", "from": "data"}}),
    c("shift_axis_t_left_adjust", {"output": {"class": "shift_axis", "axis": "T", "amount": -2, "from": "data"}}),
    c("shift_axis_t_right_nopad", {"output": {"class": "shift_axis", "axis": "T", "amount": 2, "pad": False, "from": "data"}}),
    c("shift_axis_t_right_pad_value", {"output": {"class": "shift_axis", "axis": "T", "amount": 1, "pad_value": 3.0, "from": "data"}}),
    c("shift_axis_f_nopad", {"output": {"class": "shift_axis", "axis": "F", "amount": -2, "pad": False, "adjust_size_info": False, "from": "data"}}),
    c("expand_dims_f_dim3", {"output": {"class": "expand_dims", "axis": "F", "dim": 3, "from": "data"}}),
    c("expand_dims_int_axis", {"output": {"class": "expand_dims", "axis": 2, "from": "data"}}),
    c("squeeze_auto", {"output": {"class": "squeeze", "axis": "auto", "from": "data"}}, extern_data={"data": {"shape": (None, 1, 3)}}),
    c("squeeze_stag", {
        "ex": {"class": "expand_dims", "axis": "spatial", "from": "data"},
        "output": {"class": "squeeze", "axis": "stag:ex_expand_dims", "from": "ex"},
    }, outputs=["ex", "output"]),
    c("constant_shape_float", {
        "const": {"class": "constant", "value": 1.5, "shape": (5,)},
        "output": {"class": "combine", "kind": "add", "from": ["data", "const"]},
    }, outputs=["const", "output"]),
    c("constant_int_dtype", {"output": {"class": "constant", "value": 3, "dtype": "float32", "shape": (2, 3)}}),
    c("range_float", {"output": {"class": "range", "start": 1, "limit": 8, "delta": 3, "dtype": "float32"}}),
    c("range_negative_delta", {"output": {"class": "range", "start": 4, "limit": -3, "delta": -2}}),
    c("range_in_axis_float", {"output": {"class": "range_in_axis", "from": "data", "axis": "dim:4", "dtype": "float32"}}, extern_data=SEQ43),
    c("variable_param_name_2d", {
        "var": {"class": "variable", "shape": (4, 3), "param_name": "weights", "init": "glorot_uniform"},
        "output": {"class": "combine", "kind": "mul", "from": ["data", "var"]},
    }, outputs=["var", "output"], extern_data=SEQ43),
    c("variable_batch_time", {
        "var": {"class": "variable", "shape": (5,), "add_batch_axis": True, "add_time_axis": True},
        "output": {"class": "copy", "from": "var"},
    }, outputs=["var", "output"]),
    c("constant_with_batch_dim", {"output": {"class": "constant", "value": 2.5, "shape": (3,), "with_batch_dim": True}}),
    c("switch_condition_constant", {
        "cond": {"class": "constant", "value": False},
        "output": {"class": "switch", "condition": "cond", "true_from": 1.0, "false_from": "data"},
    }),
    c("switch_layers", {
        "cond": {"class": "compare", "kind": "greater", "value": 0.2, "from": "data"},
        "alt": {"class": "linear", "activation": None, "n_out": 5, "from": "data"},
        "output": {"class": "switch", "condition": "cond", "true_from": "alt", "false_from": -0.5},
    }),
]
