"""Runs the searches of packages/network/src/net-dict/search-keys.test.ts (include_eos, length-normalized pruning)
in the real RETURNN and prints the decided values and lengths, which that test asserts as closed forms.
Usage: RETURNN_SRC=/work/returnn-src /work/venv-ref/bin/python search_check.py"""
import os, sys, numpy
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "shims"))
sys.path.insert(0, os.environ.get("RETURNN_SRC", "/work/returnn-src"))
from returnn.tf.network import TFNetwork, ExternData
from returnn.tf.layers.rec import RecLayer
import returnn.tf.compat as tf_compat
tf_compat.v1.disable_eager_execution()
def run(lp, beam, norm, include_eos=None):
    tf_compat.v1.reset_default_graph()
    rec = {"class": "rec", "from": ["data"], "max_seq_len": 3, "unit": {
        "output": {"class": "choice", "from": ["data:source"], "input_type": "log_prob", "explicit_search_source": "prev:output",
                   "initial_output": 0, "beam_size": beam, "length_normalization": norm, "target": "classes"},
        "end": {"class": "compare", "from": ["output"], "value": 0}}}
    if include_eos is not None: rec["include_eos"] = include_eos
    net_dict = {"output": rec, "decision": {"class": "decide", "from": "output", "is_output_layer": True}}
    ed = ExternData({"data": {"dim": 4}, "classes": {"dim": 4, "sparse": True, "available_for_inference": False}})
    net = TFNetwork(extern_data=ed, search_flag=True, train_flag=False, eval_flag=False)
    net.construct_from_dict(net_dict)
    d = net.layers["decision"]
    with tf_compat.v1.Session() as s:
        fd = {net.extern_data.get_batch_info().dim: 1, ed.data["data"].placeholder: numpy.array(lp, "float32").reshape(1, 3, 4), ed.data["data"].size_placeholder[0]: [3]}
        out, lens = s.run((d.output.placeholder, d.output.get_sequence_lengths()), feed_dict=fd)
    print("beam", beam, "norm", norm, "include_eos", include_eos, "out", out.T.tolist() if d.output.is_time_major else out.tolist(), "lens", lens.tolist())
lp = [-1, -1.2, -5, -5, -9, -9, -0.3, -0.35, -4, -9, -9, -9]
run(lp, 2, True); run(lp, 2, False)
dyn = [-1, -2, -3, -9, -0.6, -6, -0.5, -2, -0.4, -0.6, -0.7, -1]
run(dyn, 3, True); run(dyn, 3, True, True)
