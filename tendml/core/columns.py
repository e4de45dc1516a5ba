"""Columns of one dtype held as the rows of one 2-D array: no array object per column until asked for."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np


class PackedColumns(Mapping[str, np.ndarray]):
    """Columns of one dtype as the rows of one 2-D array ``(columns, rows)``; a column is a view.

    >>> packed = PackedColumns(("a", "b"), np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> packed["b"].tolist(), list(packed)
    ([3.0, 4.0], ['a', 'b'])
    """

    __slots__ = ("_index", "matrix", "names")

    def __init__(self, names: tuple[str, ...], matrix: np.ndarray) -> None:
        self.names = names
        self.matrix = matrix
        self._index: dict[str, int] | None = None  # made on the first look-up by name

    def __getitem__(self, name: str) -> np.ndarray:
        index = self._index
        if index is None:
            index = self._index = {n: i for i, n in enumerate(self.names)}
        return self.matrix[index[name]]  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)
