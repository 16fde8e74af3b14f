"""How many layer entries of RETURNN's own tests and demos use a class Strata knows.

Usage (from tools/returnn-ref):
  npx tsx --conditions=strata-source src/known-classes.ts > /tmp/known.json
  /work/venv-ref/bin/python class_coverage.py /tmp/known.json /work/returnn-src

Counts every `"class": "<name>"` in tests/test_TFNetworkLayer.py, tests/test_TFNetworkRecLayer.py and
demos/*.config|*.py, leaving out dataset and optimizer dicts (names ending in Dataset/Corpus, adam, ...).
"""
import glob
import json
import os
import re
import sys

NOT_LAYERS = {"adam", "nadam", "sgd", "rmsprop", "adadelta", "adagrad", "momentum", "torch"}
PATTERN = re.compile(r"""["']class["']\s*:\s*["']([A-Za-z0-9_]+)["']""")


def count(files, known):
    total, ok, missing = 0, 0, {}
    for f in files:
        with open(f, errors="replace") as fh:
            for m in PATTERN.finditer(fh.read()):
                c = m.group(1)
                if c.endswith("Dataset") or c.endswith("Corpus") or c in NOT_LAYERS:
                    continue
                total += 1
                if c in known:
                    ok += 1
                else:
                    missing[c] = missing.get(c, 0) + 1
    return total, ok, missing


def main():
    known = set(json.load(open(sys.argv[1])))
    src = sys.argv[2]
    groups = [
        ("test_TFNetworkLayer", [os.path.join(src, "tests/test_TFNetworkLayer.py")]),
        ("test_TFNetworkRecLayer", [os.path.join(src, "tests/test_TFNetworkRecLayer.py")]),
        ("demos", sorted(glob.glob(os.path.join(src, "demos/*.config")) + glob.glob(os.path.join(src, "demos/*.py")))),
    ]
    for name, files in groups:
        total, ok, missing = count(files, known)
        top = sorted(missing.items(), key=lambda kv: -kv[1])[:12]
        print(f"{name}: {ok}/{total} = {100 * ok / total:.1f}%; most used unknown: {top}")


if __name__ == "__main__":
    main()
