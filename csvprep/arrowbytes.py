"""The bytes behind an Arrow string array, for vectorised tests that look at bytes rather than cells."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def string_bytes(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A string array's value offsets (int64, counted from its first byte) and its bytes (uint8): views of
    its buffers, no copy (``large_string`` too, and slices)."""
    if not len(arr):
        return np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.uint8)
    wide = pa.types.is_large_string(arr.type) or pa.types.is_large_binary(arr.type)
    off_type = np.dtype(np.int64 if wide else np.int32)
    at = arr.offset * off_type.itemsize
    offsets = np.frombuffer(arr.buffers()[1], dtype=off_type, count=len(arr) + 1, offset=at)
    start, end = int(offsets[0]), int(offsets[-1])
    data = arr.buffers()[2]
    if data is None or end <= start:
        raw = np.empty(0, dtype=np.uint8)
    else:
        raw = np.frombuffer(data, dtype=np.uint8, count=end - start, offset=start)
    return offsets.astype(np.int64) - start, raw
