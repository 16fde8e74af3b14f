"""Reference fixtures for Strata's safetensors reader: integer tensors of every width.

Run with the reference venv (numpy + the safetensors package):

    /work/venv-ref/bin/python tools/safetensors-fixtures/make_fixtures.py

Writes into packages/savers/src/fixtures/safetensors-ints/:
  ints.safetensors         I8, U8, I16, U16, U32, I64, U64 tensors whose values
                           all fit int32 (incl. the int32 extremes and RETURNN-style
                           int64 sparse labels [batch, time]), plus F32/I32/BOOL;
  int64-range.safetensors  an I64 tensor with a value outside int32 (2^40 at flat index 2);
  u32-range.safetensors    a U32 tensor with 2^31 at flat index 1;
  expected.json            {name: {"dtype": numpy dtype, "shape": [...], "values": [...]}}
                           of ints.safetensors, as numpy reads it back.
"""

import json
import os

import numpy as np
from safetensors.numpy import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
OUT = os.path.join(ROOT, 'packages', 'savers', 'src', 'fixtures', 'safetensors-ints')


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.RandomState(42)
    ints = {
        'classes': rng.randint(0, 11, size=(3, 7)).astype(np.int64),
        'i64_extremes': np.array([-2**31, 2**31 - 1, 0, -1], dtype=np.int64),
        'i64_scalar': np.array(5, dtype=np.int64),
        'i64_empty': np.zeros((0, 3), dtype=np.int64),
        'u64': np.array([0, 2**31 - 1, 12345], dtype=np.uint64),
        'i8': np.array([-128, 127, 0], dtype=np.int8),
        'u8': np.array([[0, 255], [7, 128]], dtype=np.uint8),
        'i16': np.array([-32768, 32767], dtype=np.int16),
        'u16': np.array([65535, 1], dtype=np.uint16),
        'u32': np.array([2**31 - 1, 3], dtype=np.uint32),
        'f32': np.array([1.5, -0.25], dtype=np.float32),
        'i32': np.array([-7], dtype=np.int32),
        'flag': np.array([True, False, True]),
    }
    save_file(ints, os.path.join(OUT, 'ints.safetensors'))
    back = load_file(os.path.join(OUT, 'ints.safetensors'))
    expected = {
        name: {'dtype': str(v.dtype), 'shape': list(v.shape), 'values': [x.item() for x in v.reshape(-1)]}
        for name, v in sorted(back.items())
    }
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1)
        f.write('\n')
    save_file({'offsets': np.array([0, 1, 2**40, 3], dtype=np.int64)}, os.path.join(OUT, 'int64-range.safetensors'))
    save_file({'ids': np.array([1, 2**31], dtype=np.uint32)}, os.path.join(OUT, 'u32-range.safetensors'))


if __name__ == '__main__':
    main()
