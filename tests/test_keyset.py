"""hash_strings: equal values hash alike in any batch, distinct ones apart."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from csvprep.engine.keyset import SHORT_BYTES, hash_strings

EDGES = [
    "",
    "a",
    "a\x00",
    "\x00",
    "\x00\x00",
    "0012",
    "12",
    "12345678",
    "123456789",
    "1234567812345678",
    "é",
    "e",
    "x" * SHORT_BYTES,
    "x" * (SHORT_BYTES + 1),
    "x" * 300,
    "3388426373008226824",
]


def test_edges_are_all_distinct() -> None:
    hashes = hash_strings(pa.array(EDGES, pa.string())).tolist()
    assert len(set(hashes)) == len(EDGES)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(max_size=SHORT_BYTES // 2 + 40) | st.sampled_from(EDGES), min_size=1, max_size=60),
    st.data(),
)
def test_a_value_hashes_alike_wherever_it_sits(values: list[str], data: st.DataObject) -> None:
    whole = hash_strings(pa.array(values, pa.string())).tolist()
    # a slice (non-zero offset), a filtered copy and a large_string array give each value the same hash
    lo = data.draw(st.integers(0, len(values) - 1))
    hi = data.draw(st.integers(lo, len(values)))
    assert hash_strings(pa.array(values, pa.string()).slice(lo, hi - lo)).tolist() == whole[lo:hi]
    assert hash_strings(pa.array(values, pa.large_string())).tolist() == whole
    by_value = dict(zip(values, whole, strict=True))
    assert len(by_value) == len(set(values))  # equal values, equal hashes
    assert len(set(by_value.values())) == len(by_value)  # distinct values, distinct hashes
