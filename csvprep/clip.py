"""Values echoed back to a person or a report are cut to :data:`MAX_ECHO` characters, their length noted.

A 100 MB cell or a 50 MB header name is data, and stays whole in the batches and in ``rejects.csv``; in an
issue's value, a message, a column name in a report or the manifest it is an echo, and a few hundred
characters identify it. The cut text ends with ``…(+N chars)``, N the characters left out.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

MAX_ECHO = 1000
"""Characters of a value, a column name or a message kept when it is echoed."""


def clip(text: str) -> str:
    """``text``, or its first :data:`MAX_ECHO` characters and how many more there were."""
    if len(text) <= MAX_ECHO:
        return text
    return f"{text[:MAX_ECHO]}…(+{len(text) - MAX_ECHO} chars)"


def clip_array(values: pa.Array) -> pa.Array:
    """:func:`clip` of each string (one length pass; only arrays holding a long one are rebuilt)."""
    if isinstance(values, pa.DictionaryArray):
        return pa.DictionaryArray.from_arrays(values.indices, clip_array(values.dictionary))
    if not len(values) or values.null_count == len(values):
        return values
    lengths = pc.utf8_length(values)
    if pc.max(lengths).as_py() <= MAX_ECHO:
        return values
    long = pc.greater(lengths, MAX_ECHO)
    extra = pc.binary_join_element_wise(
        "…(+", pc.cast(pc.subtract(lengths, MAX_ECHO), pa.string()), " chars)", ""
    )
    cut = pc.binary_join_element_wise(pc.utf8_slice_codeunits(values, 0, MAX_ECHO), extra, "")
    return pc.if_else(long, cut, values)
