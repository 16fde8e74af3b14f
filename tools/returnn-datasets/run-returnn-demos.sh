#!/bin/sh
# Trains RETURNN's 12AX demos with RETURNN itself (TF backend, CPU) and keeps the lines the docs quote
# (docs/returnn-demos.md) in demo-logs/<demo>.log. The configs are read unmodified from a RETURNN mirror
# (RETURNN's licence does not let us copy them here). Never run in CI.
#
#   RETURNN_SRC=/work/returnn-src RETURNN_REPO=/work/.mirror/rwth-i6+returnn/repo EPOCHS=5 ./run-returnn-demos.sh
#
# DISABLE_CUDA=1: RETURNN's native LSTM ops (NativeLstm2) otherwise compile with EIGEN_USE_GPU and need
# cuda_runtime.h, which tensorflow-cpu lacks. The shims folder of tools/returnn-ref holds a `tree` stand-in.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${RETURNN_SRC:-/work/returnn-src}
REPO=${RETURNN_REPO:-/work/.mirror/rwth-i6+returnn/repo}
PY=${PYTHON:-/work/venv-ref/bin/python}
EPOCHS=${EPOCHS:-5}
WORK=$(mktemp -d)
mkdir -p "$HERE/demo-logs"
for demo in ${DEMOS:-native-lstm2 native-lstm vanilla-lstm}; do
  cfg="demo-tf-$demo.12ax.config"
  git -C "$REPO" show "HEAD:demos/$cfg" > "$WORK/$cfg"
  (cd "$WORK" && DISABLE_CUDA=1 PYTHONPATH="$HERE/../returnn-ref/shims" "$PY" "$SRC/rnn.py" "$cfg" ++num_epochs "$EPOCHS" ++device cpu > "$demo.full.log" 2>&1)
  {
    echo "# RETURNN $(git -C "$REPO" rev-parse HEAD), demos/$cfg unmodified, rnn.py $cfg ++num_epochs $EPOCHS ++device cpu"
    grep -a -E "^RETURNN starting|^TensorFlow: |^net params|^Train data:|^Dev data:|^  Task12AXDataset|^train epoch|^epoch [0-9]+ score|^dev: |^Finished training" "$WORK/$demo.full.log"
  } > "$HERE/demo-logs/$demo.log"
done
rm -rf "$WORK"
