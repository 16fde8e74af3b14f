#!/bin/sh
# Trains RETURNN's 12AX demos with RETURNN itself (TF backend, CPU) and keeps the lines the docs quote
# (docs/returnn-demos.md) in demo-logs/<demo>.log. The configs are read unmodified from a RETURNN mirror
# (RETURNN's licence does not let us copy them here). Never run in CI. A name in DEMOS is the config's
# demos/demo-tf-<name>.12ax.config, or demos/demo-tf-<name>.config when there is no .12ax one
# (rec-explicit-lstm, rec-explicit-rnn, rec-self-att, which also train on Task12AXDataset).
#
#   RETURNN_SRC=/work/returnn-src RETURNN_REPO=/work/.mirror/rwth-i6+returnn/repo EPOCHS=5 ./run-returnn-demos.sh
#   DEMOS="contribrnn-lstm rec-self-att" FULL_LOGS=/tmp/full ./run-returnn-demos.sh   (some demos; full logs kept)
#
# DISABLE_CUDA=1: RETURNN's native LSTM ops (NativeLstm2) otherwise compile with EIGEN_USE_GPU and need
# cuda_runtime.h, which tensorflow-cpu lacks. The shims folder of tools/returnn-ref holds a `tree` stand-in.
# shims/sitecustomize.py: os.getlogin() (some configs name their model path with it) falls back to the user
# name when there is no terminal.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${RETURNN_SRC:-/work/returnn-src}
REPO=${RETURNN_REPO:-/work/.mirror/rwth-i6+returnn/repo}
PY=${PYTHON:-/work/venv-ref/bin/python}
EPOCHS=${EPOCHS:-5}
WORK=$(mktemp -d)
mkdir -p "$HERE/demo-logs"
for demo in ${DEMOS:-native-lstm2 native-lstm vanilla-lstm native-lstm2.12ax.tuned contribrnn-lstm native-lstm-lowmem chunking-blstm maxgradnorm-lstm rec-explicit-lstm rec-explicit-rnn rec-self-att neural-transducer}; do
  cfg="demo-tf-$demo.12ax.config"
  git -C "$REPO" cat-file -e "HEAD:demos/$cfg" 2>/dev/null || cfg="demo-tf-$demo.config"
  git -C "$REPO" show "HEAD:demos/$cfg" > "$WORK/$cfg"
  rc=0
  (cd "$WORK" && DISABLE_CUDA=1 PYTHONPATH="$HERE/shims:$HERE/../returnn-ref/shims" "$PY" "$SRC/rnn.py" "$cfg" ++num_epochs "$EPOCHS" ++device cpu > "$demo.full.log" 2>&1) || rc=$?
  {
    echo "# RETURNN $(git -C "$REPO" rev-parse HEAD), demos/$cfg unmodified, rnn.py $cfg ++num_epochs $EPOCHS ++device cpu"
    grep -a -E "^RETURNN starting|^TensorFlow: |^net params|^Train data:|^Dev data:|^  Task12AXDataset|^train epoch [0-9]+, finished|^epoch [0-9]+ score|^dev: |^Finished training" "$WORK/$demo.full.log" || true
    if [ "$rc" != 0 ]; then
      echo "# rnn.py exited with $rc; the innermost frame of its last traceback, and its last lines:"
      sed "s/\x1b\[[0-9;]*m//g" "$WORK/$demo.full.log" | grep -a -E "^  File " | tail -n 1
      tail -n 5 "$WORK/$demo.full.log" | sed "s/\x1b\[[0-9;]*m//g"
    fi
  } > "$HERE/demo-logs/$demo.log"
  if [ -n "${FULL_LOGS:-}" ]; then mkdir -p "$FULL_LOGS" && cp "$WORK/$demo.full.log" "$FULL_LOGS/"; fi
done
rm -rf "$WORK"
