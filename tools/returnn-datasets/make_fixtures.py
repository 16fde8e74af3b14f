"""
Reference fixtures for @strata/datasets' RETURNN generated datasets.

Writes ../../packages/datasets/src/fixtures/returnn-generated.json from the real RETURNN
(RETURNN_SRC, default /work/returnn-src) and NumPy's legacy RandomState:
  * numpy: raw draws of RandomState seeded with an int and with an array
    (random_integers of randint, uniform, choice), to test the MT19937 + draws port;
  * Task12AXDataset: the input/target sequences RETURNN generates (dev: fixed_random_seed 1;
    train: epochs 1 and 2, RETURNN's default seed = epoch);
  * DummyDataset and StaticDataset: the sequences RETURNN yields for given options.

Run: RETURNN_SRC=/work/returnn-src /work/venv-ref/bin/python make_fixtures.py
"""

import json
import os
import sys

import numpy

sys.path.insert(0, os.environ.get("RETURNN_SRC", "/work/returnn-src"))

from returnn.datasets.generating import DummyDataset, StaticDataset, Task12AXDataset  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "../../packages/datasets/src/fixtures/returnn-generated.json")


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


if __name__ == "__main__":
    main()
