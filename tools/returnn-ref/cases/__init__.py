"""All fixture cases: each a dict with name, extern_data, network (the net dict as a RETURNN user writes it),
outputs (layer names to record), and optional behavior_version, n_time, seq_lens, input_values, description."""
from . import basic, seq, shape
from . import behavior
from . import rec_templates
from . import shape_value

ALL_CASES = basic.CASES + shape.CASES + seq.CASES
ALL_CASES += behavior.CASES
ALL_CASES += rec_templates.CASES
ALL_CASES += shape_value.CASES
from . import eval_strings
ALL_CASES += eval_strings.CASES
from . import axes_layers
ALL_CASES += axes_layers.CASES
from . import structure
ALL_CASES += structure.CASES
from . import control_flow
ALL_CASES += control_flow.CASES
from . import layer_keys
ALL_CASES += layer_keys.CASES
from . import rec_keys
ALL_CASES += rec_keys.CASES
from . import demos_12ax
ALL_CASES += demos_12ax.CASES
from . import net_features
ALL_CASES += net_features.CASES
from . import extern_layouts
ALL_CASES += extern_layouts.CASES
from . import conv_shape_e
ALL_CASES += conv_shape_e.CASES
from . import rec_units_b
ALL_CASES += rec_units_b.CASES
from . import search_keys_d
ALL_CASES += search_keys_d.CASES
from . import match_fixes
ALL_CASES += match_fixes.CASES
from . import rec_templates_c
ALL_CASES += rec_templates_c.CASES
from . import dims_f
ALL_CASES += dims_f.CASES
from . import keys_g
ALL_CASES += keys_g.CASES
assert len({c["name"] for c in ALL_CASES}) == len(ALL_CASES), "case names must be unique"
from . import unused_layers_h
ALL_CASES += unused_layers_h.CASES
from . import naming
ALL_CASES += naming.CASES
from . import dims_d
ALL_CASES += dims_d.CASES
from . import masked_seq_b
ALL_CASES += masked_seq_b.CASES
from . import as_is_f
ALL_CASES += as_is_f.CASES
from . import rec_axis_e
ALL_CASES += rec_axis_e.CASES
from . import broadcast_c
ALL_CASES += broadcast_c.CASES
from . import lstm_cells_a
ALL_CASES += lstm_cells_a.CASES
from . import linear_in_dim_c
ALL_CASES += linear_in_dim_c.CASES
from . import masked_self_att_h
ALL_CASES += masked_self_att_h.CASES
from . import beam_g
ALL_CASES += beam_g.CASES
from . import eval_reduce_j
ALL_CASES += eval_reduce_j.CASES
from . import rec_end_no_target_h
ALL_CASES += rec_end_no_target_h.CASES
from . import prev_template_j
ALL_CASES += prev_template_j.CASES
from . import slice_nd_i
ALL_CASES += slice_nd_i.CASES
from . import reduce_axes
ALL_CASES += reduce_axes.CASES
