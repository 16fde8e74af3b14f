"""Reference fixtures for Strata's TensorFlow tensor-bundle reader and writer.

Run with the reference venv (TensorFlow 2.x, graph mode through tf.compat.v1):

    /work/venv-ref/bin/python tools/tf-bundle-fixtures/make_fixtures.py make
        Writes TensorFlow checkpoints (tf.compat.v1.train.Saver, V2 format:
        <prefix>.index + <prefix>.data-0000k-of-0000n) and the values TF reads
        back from them (tf.train.load_checkpoint) into
        packages/savers/src/formats/tf-bundle/fixtures/.

    /work/venv-ref/bin/python tools/tf-bundle-fixtures/make_fixtures.py check-strata
        Reads the bundles a Strata test run wrote (fixtures/strata-written*/,
        made by `STRATA_WRITE_TF_FIXTURES=1 npx vitest run
        src/formats/tf-bundle/tf-interop.test.ts` in packages/savers) with
        tf.train.load_checkpoint, dumps what TF read to <dir>/tf-read.json, and
        saves the same values again with tf.compat.v1.train.Saver into
        <dir>/tf-resaved/ so the test can compare the bytes.

Expected values are JSON: {name: {"dtype": TF dtype name, "shape": [...],
"values": [flat row-major list]}}. For the checkpoint with many variables
(fixtures/many), listing every value would double the fixture's size, so the
JSON holds a SHA-256 digest of what TF reads (see `strata_digest`).
"""

import hashlib
import json
import os
import shutil
import sys

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'savers', 'src', 'formats', 'tf-bundle', 'fixtures')

tf1 = tf.compat.v1


def clean_dir(path):
    if os.path.isdir(path):
        shutil.rmtree(path)
    os.makedirs(path)


def save_graph(prefix, build, sharded=False):
    """Builds variables with `build()` in a fresh graph, initialises them and saves them with Saver.

    `build` may return {checkpoint name: variable} to save under names that are not valid graph names.
    """
    graph = tf.Graph()
    with graph.as_default():
        var_list = build()
        saver = tf1.train.Saver(var_list=var_list, sharded=sharded, write_version=tf1.train.SaverDef.V2)
        config = tf1.ConfigProto(device_count={'CPU': 2})
        with tf1.Session(graph=graph, config=config) as sess:
            sess.run(tf1.global_variables_initializer())
            saver.save(sess, prefix, write_meta_graph=False, write_state=False)


def strata_view(array):
    """The values as Strata holds them: float64 -> float32, int64 -> int32 (in range), bool as 0/1."""
    if array.dtype == np.float64:
        return array.astype(np.float32)
    if array.dtype == np.int64:
        assert np.all((array >= -2**31) & (array < 2**31))
        return array.astype(np.int32)
    if array.dtype == np.bool_:
        return array.astype(np.uint8)
    return array


def strata_digest(values):
    """SHA-256 over every tensor in name order: name NUL dtype NUL shape NUL little-endian bytes (Strata's view)."""
    h = hashlib.sha256()
    for name in sorted(values):
        v = strata_view(values[name])
        h.update(name.encode('utf-8') + b'\0')
        h.update(str(v.dtype).encode() + b'\0')
        h.update(','.join(str(d) for d in v.shape).encode() + b'\0')
        h.update(np.ascontiguousarray(v).astype(v.dtype.newbyteorder('<')).tobytes())
    return h.hexdigest()


def read_back(prefix):
    """Every tensor as tf.train.load_checkpoint reads it (partitioned variables assembled by TF)."""
    reader = tf.train.load_checkpoint(prefix)
    dtypes = reader.get_variable_to_dtype_map()
    return {name: (dtypes[name].name, reader.get_tensor(name)) for name in sorted(dtypes)}


def to_json(values):
    out = {}
    for name, (dtype, value) in values.items():
        arr = np.asarray(value)
        if arr.dtype.kind in 'SO':
            flat = [x.decode('utf-8') if isinstance(x, bytes) else str(x) for x in arr.reshape(-1)]
        elif arr.dtype == np.bool_:
            flat = [bool(x) for x in arr.reshape(-1)]
        elif arr.dtype.kind in 'iu':
            flat = [int(x) for x in arr.reshape(-1)]
        else:
            flat = [float(x) for x in arr.reshape(-1)]
        out[name] = {'dtype': dtype, 'shape': list(arr.shape), 'values': flat}
    return out


def write_json(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write('\n')


def build_basic():
    v = tf1.Variable
    v(np.arange(12, dtype=np.float32).reshape(3, 4) * 0.25 - 1.0, name='net/dense/kernel')
    v(np.array([0.1, -0.2, 1e-30, 3.4e38], np.float32), name='net/dense/bias')
    v(np.float32(-2.5), name='scalar_f32')
    v(np.array([[-2**31, -1, 0], [1, 7, 2**31 - 1]], np.int32), name='count')
    v(np.int64(1234), name='global_step')
    v(np.array([-5, 0, 2**31 - 1], np.int64), name='small_int64')
    v(np.array([True, False, False, True, True]), name='mask')
    v(np.array([[0.1, -1.0 / 3.0], [1e-40, 2.0 ** 100]], np.float64), name='weights_f64')
    v(np.zeros((0, 3), np.float32), name='empty')
    v((np.arange(12, dtype=np.float32) - 6).reshape(2, 1, 2, 3), name='rank4')
    # RETURNN-style names (layer/param).
    v(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2), name='output/W')
    v(np.array([0.5, -0.5], np.float32), name='output/b')
    # A partitioned variable: saved as slices of the full tensor "embed" (BundleEntryProto.slices).
    full = np.arange(14, dtype=np.float32).reshape(7, 2) / 2

    def part(shape, dtype=None, partition_info=None):
        row = partition_info.var_offset[0] if partition_info else 0
        return tf.constant(full[row:row + shape[0]])

    tf1.get_variable('embed', shape=[7, 2], dtype=tf.float32, initializer=part,
                     partitioner=tf1.fixed_size_partitioner(3))


def build_sharded():
    with tf.device('/cpu:0'):
        tf1.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name='a/kernel')
        tf1.Variable(np.int64(7), name='global_step')
    with tf.device('/cpu:1'):
        tf1.Variable(np.array([1.5, -1.5], np.float32), name='b/bias')
        tf1.Variable(np.array([3, -4], np.int32), name='b/ids')


MANY = 1400
MANY_SCOPE = 'encoder_block_with_a_rather_long_scope_name/' * 4


def many_name(i):
    # The counter first, so neighbouring keys share little: long keys make the index span several 256 KiB blocks.
    return f'{i:05d}/{MANY_SCOPE}bias'


def build_many():
    for i in range(MANY):
        tf1.Variable(np.float32(i) * 0.5, name=many_name(i))
    big = np.sin(np.arange(128 * 256, dtype=np.float64) * 0.01).astype(np.float32).reshape(128, 256)
    tf1.Variable(big, name='big/W')


def build_int64_range():
    tf1.Variable(np.array([1, 2**40], np.int64), name='offsets')


def build_string():
    tf1.Variable(np.float32(1), name='a')
    tf1.Variable(np.array([b'x', b'yz']), name='vocab')


def make():
    # Only the TF-written fixtures are remade; strata-written*/ come from a Strata test run.
    for name in ('basic', 'sharded', 'many', 'int64-range', 'string', 'tf2-checkpoint'):
        clean_dir(os.path.join(OUT, name))
    fixtures = {'basic': (build_basic, False), 'sharded': (build_sharded, True)}
    for name, (build, sharded) in fixtures.items():
        prefix = os.path.join(OUT, name, 'model.ckpt')
        save_graph(prefix, build, sharded)
        write_json(os.path.join(OUT, name, 'expected.json'), to_json(read_back(prefix)))

    prefix = os.path.join(OUT, 'many', 'model.ckpt')
    save_graph(prefix, build_many)
    values = {k: v for k, (_, v) in read_back(prefix).items()}
    write_json(os.path.join(OUT, 'many', 'expected.json'), {
        'count': len(values),
        'names': {'first': sorted(values)[0], 'last': sorted(values)[-1], 'pattern': '{i:05d}/' + MANY_SCOPE + 'bias'},
        'strataDigest': strata_digest(values),
        'big/W': {'shape': list(values['big/W'].shape), 'first': [float(x) for x in values['big/W'].reshape(-1)[:4]]},
    })

    # Bundles Strata must refuse with a typed error.
    prefix = os.path.join(OUT, 'int64-range', 'model.ckpt')
    save_graph(prefix, build_int64_range)
    prefix = os.path.join(OUT, 'string', 'model.ckpt')
    save_graph(prefix, build_string)
    # TF 2's object-based checkpoint (eager): keys <path>/.ATTRIBUTES/VARIABLE_VALUE plus the object graph.
    prefix = os.path.join(OUT, 'tf2-checkpoint', 'model.ckpt')
    model = tf.Module()
    model.dense = tf.Module()
    model.dense.kernel = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2) / 4)
    model.dense.bias = tf.Variable(np.array([0.5, -0.5], np.float32))
    ckpt = tf.train.Checkpoint(model=model, step=tf.Variable(np.int64(5)))
    written = ckpt.write(prefix)
    assert written == prefix, written
    write_json(os.path.join(OUT, 'tf2-checkpoint', 'expected.json'),
               to_json({k: v for k, v in read_back(prefix).items() if k != '_CHECKPOINTABLE_OBJECT_GRAPH'}))
    print('TF', tf.__version__, '->', OUT)


def check_strata():
    for entry in sorted(os.listdir(OUT)):
        folder = os.path.join(OUT, entry)
        if not entry.startswith('strata-written') or not os.path.isdir(folder):
            continue
        prefix = os.path.join(folder, 'model.ckpt')
        values = read_back(prefix)
        write_json(os.path.join(folder, 'tf-read.json'), to_json(values))
        resaved = os.path.join(folder, 'tf-resaved')
        clean_dir(resaved)

        def build():
            # Graph names may not start with '_' (Strata's _STRATA_METADATA): name the variables v<i>, save them by key.
            return {name: tf1.Variable(np.asarray(value), name=f'v{i}', dtype=tf.as_dtype(dtype))
                    for i, (name, (dtype, value)) in enumerate(values.items())}

        save_graph(os.path.join(resaved, 'model.ckpt'), build)
        print('checked', prefix, len(values), 'tensors')


if __name__ == '__main__':
    command = sys.argv[1] if len(sys.argv) > 1 else 'make'
    {'make': make, 'check-strata': check_strata}[command]()
