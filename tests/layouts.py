"""Masks shared by the test modules."""

from autoencode import Architecture

#: Masks that do not form a chain ({0} and {1} are not nested): the model stores such states
#: whole and gathers each layer's active set (its "gathered" layout).
NOT_A_CHAIN = [
    [1, 1, 1, 1],
    [1, 1, 1, 0],
    [1, 1, 0, 0],
    [1, 0, 0, 0],
    [1, 1, 0, 0],
    [0, 1, 0, 0],
    [0, 1, 1, 1],
]


def gathered() -> Architecture:
    """An architecture in the gathered layout (:data:`NOT_A_CHAIN`)."""
    return Architecture(NOT_A_CHAIN)
