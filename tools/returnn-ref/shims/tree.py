"""Stand-in for DeepMind's `dm-tree` (not installable offline here), over `tf.nest`.

RETURNN imports `tree` for nested-structure helpers; the TF layers used by the
fixture generator only need these functions, whose semantics tf.nest shares.
"""
import tensorflow as tf

map_structure = tf.nest.map_structure
flatten = tf.nest.flatten
assert_same_structure = tf.nest.assert_same_structure
unflatten_as = tf.nest.pack_sequence_as
is_nested = tf.nest.is_nested


def map_structure_with_path(func, *structures, **kwargs):
    return tf.nest.map_structure_with_paths(lambda path, *xs: func(tuple(path.split("/")) if path else (), *xs), *structures, **kwargs)


def flatten_with_path(structure):
    return tf.nest.flatten_with_tuple_paths(structure)
