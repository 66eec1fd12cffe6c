"""The ZIP writer: a chunk is taken only when the ZIP provably or measurably stays within the limit."""

from __future__ import annotations

import hashlib
import os
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zlib_ng import zlib_ng

from csvprep.packer.zipstream import Budget, ZipStream, deflate_bound

chunks = st.lists(
    st.one_of(
        st.binary(min_size=0, max_size=40_000),  # incompressible
        st.builds(lambda n, b: bytes([b]) * n, st.integers(0, 200_000), st.integers(0, 255)),
        st.builds(lambda n: os.urandom(n), st.integers(0, 70_000)),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(chunks, st.integers(0, 9))
def test_deflate_bound_holds_for_any_data_and_level(parts: list[bytes], level: int) -> None:
    c = zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15)
    data = b"".join(parts)
    out = b"".join(c.compress(p) for p in parts) + c.flush()
    assert len(out) <= deflate_bound(len(data))


@settings(max_examples=40, deadline=None)
@given(chunks, st.integers(0, 9), st.integers(200, 400_000))
def test_taken_chunks_never_take_the_zip_over_the_limit(
    tmp_path_factory: pytest.TempPathFactory, parts: list[bytes], level: int, limit: int
) -> None:
    path = tmp_path_factory.mktemp("z") / "t.zip"
    z = ZipStream(path, "t.csv", level)
    taken = []
    for p in parts:
        a = z.attempt(p, limit)
        if z.fits(a, limit):
            z.take(a)
            taken.append(p)
    raw, size, digest = z.close().result()
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert size == path.stat().st_size
    assert raw == sum(len(p) for p in taken)
    if taken:
        assert size <= limit
    with zipfile.ZipFile(path) as zf:
        assert zf.read("t.csv") == b"".join(taken)


@settings(max_examples=25, deadline=None)
@given(chunks, st.integers(0, 9), st.integers(200, 400_000))
def test_deflating_on_the_streams_thread_writes_the_same_bytes(
    tmp_path_factory: pytest.TempPathFactory, parts: list[bytes], level: int, limit: int
) -> None:
    outputs = []
    for budget in (None, Budget(50_000)):
        path = tmp_path_factory.mktemp("z") / "t.zip"
        z = ZipStream(path, "t.csv", level, budget)
        for p in parts:
            a = z.attempt(p, limit)
            if z.fits(a, limit):
                z.take(a)
        z.close().result()
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]
