"""A sweep runs with the garbage collector's first threshold raised (fewer collections over
the answers it keeps), and leaves the collector as it found it: after the sweep, after an
error, after sweeps that overlap (an exporter's threads), and when the caller turned it off
or changed it meanwhile."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from probe.sweep import fewer_collections, run_sweep
from tests.loopback_wsgi import serve
from tests.test_sweep import apache, sites_manifest

THEIRS = (900, 11, 12)


@pytest.fixture(autouse=True)
def their_threshold() -> Iterator[None]:
    found = gc.get_threshold()
    gc.set_threshold(*THEIRS)
    try:
        yield
    finally:
        gc.set_threshold(*found)


def test_a_sweep_raises_the_threshold_and_gives_it_back() -> None:
    during: list[tuple[int, int, int]] = []
    with serve(apache()) as port:
        run_sweep(sites_manifest(port, samples=1),
                  progress=lambda: during.append(gc.get_threshold()))
    assert set(during) == {(fewer_collections.FIRST, 11, 12)}
    assert gc.get_threshold() == THEIRS


def test_given_back_after_an_error() -> None:
    with pytest.raises(RuntimeError), fewer_collections():
        assert gc.get_threshold() == (fewer_collections.FIRST, 11, 12)
        raise RuntimeError("a bug in the middle of a sweep")
    assert gc.get_threshold() == THEIRS


def test_overlapping_sweeps_give_it_back_when_the_last_ends() -> None:
    first, second = fewer_collections(), fewer_collections()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert gc.get_threshold() == (fewer_collections.FIRST, 11, 12)
    second.__exit__(None, None, None)
    assert gc.get_threshold() == THEIRS


def test_a_collector_turned_off_stays_off() -> None:
    gc.set_threshold(0, 11, 12)
    with fewer_collections():
        assert gc.get_threshold() == (0, 11, 12)
    assert gc.get_threshold() == (0, 11, 12)


def test_a_threshold_set_during_the_sweep_is_kept() -> None:
    with fewer_collections():
        gc.set_threshold(5000, 10, 10)  # the caller's own, from another thread
    assert gc.get_threshold() == (5000, 10, 10)


def test_a_higher_threshold_is_not_lowered() -> None:
    gc.set_threshold(200_000, 11, 12)
    with fewer_collections():
        assert gc.get_threshold() == (200_000, 11, 12)
    assert gc.get_threshold() == (200_000, 11, 12)
