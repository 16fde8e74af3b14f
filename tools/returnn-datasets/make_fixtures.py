"""
Reference fixtures for @strata/datasets' RETURNN generated datasets.

Writes ../../packages/datasets/src/fixtures/returnn-generated.json from the real RETURNN
(RETURNN_SRC, default /work/returnn-src) and NumPy's legacy RandomState:
  * numpy: raw draws of RandomState seeded with an int and with an array
    (random_integers of randint, uniform, choice), to test the MT19937 + draws port;
  * Task12AXDataset: the input/target sequences RETURNN generates (dev: fixed_random_seed 1;
    train: epochs 1 and 2, RETURNN's default seed = epoch);
  * DummyDataset and StaticDataset: the sequences RETURNN yields for given options.
Also writes ../../packages/datasets/src/fixtures/returnn-tasks.json: RETURNN's CopyTaskDataset,
TaskXmlModelingDataset, TaskNumberBaseConvertDataset and TaskEpisodicCopyDataset sequences (the
options of RETURNN's demo configs and a few others), with each dataset's num_outputs.

Run: RETURNN_SRC=/work/returnn-src /work/venv-ref/bin/python make_fixtures.py
"""

import json
import os
import sys

import numpy

sys.path.insert(0, os.environ.get("RETURNN_SRC", "/work/returnn-src"))

from returnn.datasets.generating import (  # noqa: E402
    CopyTaskDataset,
    DummyDataset,
    StaticDataset,
    Task12AXDataset,
    TaskEpisodicCopyDataset,
    TaskNumberBaseConvertDataset,
    TaskXmlModelingDataset,
)

OUT = os.path.join(os.path.dirname(__file__), "../../packages/datasets/src/fixtures/returnn-generated.json")
OUT_TASKS = os.path.join(os.path.dirname(__file__), "../../packages/datasets/src/fixtures/returnn-tasks.json")


def numpy_draws():
    out = []
    for seed in [1, 12345, [1, 0], [3, 17], [7, 123456789]]:
        r = numpy.random.RandomState(0)
        r.seed(tuple(seed) if isinstance(seed, list) else seed)
        # choice over arange(n) returns the index drawn
        draws = []
        for i in range(40):
            draws.append(["randint", 10, 100, int(r.randint(10, 100))])
            draws.append(["uniform", float(r.uniform())])
            n = [2, 3, 9][i % 3]
            draws.append(["choice", n, int(r.choice(numpy.arange(n)))])
            draws.append(["randint", 0, 1000000, int(r.randint(0, 1000000))])
        out.append({"seed": seed, "draws": draws})
    return out


def seqs(dataset, epoch, n):
    dataset.init_seq_order(epoch=epoch)
    res = []
    for i in range(n):
        dataset.load_seqs(i, i + 1)
        corpus_idx = dataset.get_corpus_seq_idx(i)
        res.append(
            {
                "corpus_seq_idx": int(corpus_idx),
                "data": dataset.get_data(i, "data").tolist(),
                "classes": dataset.get_data(i, "classes").tolist(),
            }
        )
    return res


def task12ax():
    dev = Task12AXDataset(num_seqs=100, fixed_random_seed=1)
    train = Task12AXDataset(num_seqs=1000)
    compact = lambda s: {  # noqa: E731
        "corpus_seq_idx": s["corpus_seq_idx"],
        "data": [int(numpy.argmax(v)) for v in s["data"]],  # one-hot rows -> class ids
        "classes": s["classes"],
    }
    dev_seqs = [compact(s) for s in seqs(dev, 1, 100)]
    dev.init_seq_order(epoch=1)
    lens = []
    for i in range(100):
        dev.load_seqs(i, i + 1)
        lens.append(int(dev.get_seq_length(i)["data"]))
    return {
        "dev": {"num_seqs": 100, "fixed_random_seed": 1, "seqs": dev_seqs[:20], "lengths": lens},
        "train_epoch1": {"num_seqs": 1000, "epoch": 1, "seqs": [compact(s) for s in seqs(train, 1, 5)]},
        "train_epoch2": {"num_seqs": 1000, "epoch": 2, "seqs": [compact(s) for s in seqs(train, 2, 5)]},
    }


def dummy():
    d = DummyDataset(input_dim=3, output_dim=4, num_seqs=4, seq_len=5)
    d2 = DummyDataset(input_dim=2, output_dim=3, num_seqs=3, seq_len=3, input_max_value=4.0, input_shift=1.0, input_scale=0.5)
    return [
        {"options": {"input_dim": 3, "output_dim": 4, "num_seqs": 4, "seq_len": 5}, "seqs": seqs(d, 1, 4)},
        {
            "options": {"input_dim": 2, "output_dim": 3, "num_seqs": 3, "seq_len": 3, "input_max_value": 4.0, "input_shift": 1.0, "input_scale": 0.5},
            "seqs": seqs(d2, 1, 3),
        },
    ]


def static():
    data = [
        {"data": numpy.array([[0.5, 1.0], [1.5, 2.0], [2.5, 3.0]], dtype="float32"), "classes": numpy.array([1, 0, 2], dtype="int32")},
        {"data": numpy.array([[4.0, 5.0]], dtype="float32"), "classes": numpy.array([3], dtype="int32")},
    ]
    d = StaticDataset(data=data, output_dim={"classes": (4, 1)})
    return {
        "data": [{k: v.tolist() for k, v in s.items()} for s in data],
        "output_dim": {"classes": [4, 1]},
        "num_outputs": {k: list(v) for k, v in d.num_outputs.items()},
        "num_inputs": d.num_inputs,
        "seqs": seqs(d, 1, 2),
    }


def task_cases():
    """Per case: the dataset class, its options, and per epoch the first n sequences (one-hot data as ids)."""
    cases = [
        # demo-tf-att-copy.config train/dev; lengths grow with the epoch (maxlen_epoch_factor)
        (CopyTaskDataset, dict(nsymbols=10, num_seqs=1000, minlen=1, maxlen_epoch_factor=20), [1, 2, 5], 8),
        (CopyTaskDataset, dict(nsymbols=10, num_seqs=50, minlen=1, maxlen_epoch_factor=20), [1], 50),
        # demo-tf-hard-att-copy.config train/dev
        (CopyTaskDataset, dict(nsymbols=10, num_seqs=10000, minlen=5, maxlen=5), [1, 2], 8),
        (CopyTaskDataset, dict(nsymbols=10, num_seqs=50, minlen=20, maxlen=20, fixed_random_seed=42), [1, 3], 50),
        # float epoch factors: RETURNN truncates with int()
        (CopyTaskDataset, dict(nsymbols=128, num_seqs=20, minlen=2, maxlen=3, minlen_epoch_factor=0.5, maxlen_epoch_factor=2.5), [1, 3], 20),
        # demo-tf-attention.config train/dev
        (TaskXmlModelingDataset, dict(num_seqs=1000), [1, 2], 8),
        (TaskXmlModelingDataset, dict(num_seqs=100, fixed_random_seed=42), [1], 100),
        (TaskXmlModelingDataset, dict(num_seqs=30, limit_stack_depth=2, random_seed_offset=5), [1], 30),
        # demo-tf-enc-dec.config train/dev
        (TaskNumberBaseConvertDataset, dict(num_seqs=10000), [1, 2], 20),
        (TaskNumberBaseConvertDataset, dict(num_seqs=1000, fixed_random_seed=42), [1], 200),
        # numbers above 2**53
        (TaskNumberBaseConvertDataset, dict(num_seqs=30, input_base=10, output_base=16, min_input_seq_len=12, max_input_seq_len=40), [1], 30),
        # demo-tf-attention.config's commented-out alternative
        (TaskEpisodicCopyDataset, dict(num_seqs=1000), [1, 2], 8),
        (TaskEpisodicCopyDataset, dict(num_seqs=100, fixed_random_seed=42), [1], 100),
    ]
    out = []
    for cls, opts, epochs, n in cases:
        d = cls(**opts)
        dense = {k for k, (dim, ndim) in d.num_outputs.items() if ndim == 2}

        def ids(key, v):
            return [int(numpy.argmax(r)) for r in v] if key in dense else [int(x) for x in v]

        per_epoch = []
        for ep in epochs:
            per_epoch.append(
                {
                    "epoch": ep,
                    "seqs": [{"corpus_seq_idx": s["corpus_seq_idx"], "data": ids("data", s["data"]), "classes": ids("classes", s["classes"])} for s in seqs(d, ep, n)],
                }
            )
        out.append(
            {
                "class": cls.__name__,
                "options": opts,
                "num_outputs": {k: list(v) for k, v in d.num_outputs.items()},
                "epochs": per_epoch,
            }
        )
    return out


def main():
    out = {
        "numpy_version": numpy.__version__,
        "numpy": numpy_draws(),
        "Task12AXDataset": task12ax(),
        "DummyDataset": dummy(),
        "StaticDataset": static(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print("wrote", OUT, os.path.getsize(OUT), "bytes")
    with open(OUT_TASKS, "w") as f:
        json.dump({"numpy_version": numpy.__version__, "cases": task_cases()}, f, separators=(",", ":"))
    print("wrote", OUT_TASKS, os.path.getsize(OUT_TASKS), "bytes")


if __name__ == "__main__":
    main()
