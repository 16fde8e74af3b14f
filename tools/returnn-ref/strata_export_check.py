"""Loads each Strata-written checkpoint of strata-export/<case>/ (a TF tensor bundle under RETURNN's param
names, written by src/strata-export.test.ts with STRATA_EXPORT_WRITE=1) into the real RETURNN with the same net
dict, runs the forward pass (train_flag=False) on the case's inputs.safetensors and writes RETURNN's `output`
(batch-major, feature last) to returnn_outputs.safetensors, which the Strata test compares with its own.

Loading goes through RETURNN's own TFNetwork.load_params_from_file (tf.compat.v1.train.Saver under the hood):
every param RETURNN's net has must be in the bundle by name and shape, or this fails.

Never run in CI. Usage (see README.md):
  RETURNN_SRC=/work/returnn-src /work/venv-ref/bin/python strata_export_check.py [case ...]
"""
from __future__ import annotations

import json
import os
import sys

from generate import HERE, canonical_perm  # noqa: F401  (sets up sys.path, shims, native ops without CUDA)

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from safetensors.numpy import load_file, save_file  # noqa: E402
from returnn.config import Config  # noqa: E402
from returnn.tf.network import TFNetwork  # noqa: E402
from returnn.util.basic import BehaviorVersion  # noqa: E402

ROOT = os.path.join(HERE, "strata-export")


def check_case(name: str) -> float:
    d = os.path.join(ROOT, name)
    with open(os.path.join(d, "net.json")) as f:
        spec = json.load(f)
    BehaviorVersion._behavior_version = None
    config_dict = {"extern_data": spec["extern_data"]}
    if spec.get("behavior_version") is not None:
        config_dict["behavior_version"] = spec["behavior_version"]
        BehaviorVersion.set(spec["behavior_version"])
    inputs = load_file(os.path.join(d, "inputs.safetensors"))
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as session:
        net = TFNetwork(config=Config(config_dict), train_flag=False)
        net.construct_from_dict(spec["network"])
        # RETURNN's own loader: every param of the net is read from the Strata-written bundle by its RETURNN name.
        net.load_params_from_file(os.path.join(d, "model"), session=session)
        data = net.extern_data.data["data"]
        feed = {data.placeholder: inputs["data"], data.get_sequence_lengths(): inputs["data:size1"]}
        out = net.get_layer("output").output
        value = session.run(out.placeholder, feed_dict=feed)
        value = np.ascontiguousarray(np.transpose(value, canonical_perm(out)))
        params = {p.op.name: session.run(p) for p in net.get_params_list()}
    save_file({"output": value}, os.path.join(d, "returnn_outputs.safetensors"))
    print(f"ok   {name}: output {list(value.shape)}, params {sorted(params)}")
    return float(np.abs(value).max())


if __name__ == "__main__":
    names = sys.argv[1:] or sorted(n for n in os.listdir(ROOT) if os.path.isdir(os.path.join(ROOT, n)))
    for n in names:
        check_case(n)
