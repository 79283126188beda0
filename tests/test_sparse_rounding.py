"""A fractional k in top-k and random-k: round=nearest (the default, as before) or round=floor."""

import numpy as np
import pytest

import gossip_sim as gs
from gossip_sim.compress.sparse import entries_kept
from gossip_sim.errors import ConfigError


@pytest.mark.parametrize(
    ("k", "dim", "nearest", "floor"),
    [
        (0.25, 10, 2, 2),  # 2.5: the tie goes to the even 2; floor 2
        (0.25, 6, 2, 1),  # 1.5: the tie goes to the even 2; floor 1
        (0.35, 10, 4, 3),  # 3.5: the tie goes to the even 4; floor 3
        (0.29, 100, 29, 29),  # 28.999999999999996 in floats: floor still keeps 29
        (0.27, 10, 3, 2),
        (0.01, 10, 1, 1),  # at least one entry
        (1.0, 7, 7, 7),
    ],
)
def test_both_rules_against_a_plain_reference(k, dim, nearest, floor):
    product = k * dim
    assert entries_kept(k, dim) == max(1, round(product))  # the rule runs used before
    assert entries_kept(k, dim, rule="floor") == max(1, int(np.floor(round(product, 9))))
    assert entries_kept(k, dim, rule="floor") == floor
    assert entries_kept(k, dim) == nearest


@pytest.mark.parametrize("name", ["topk", "randk"])
@pytest.mark.parametrize(("rule", "kept"), [("nearest", 2), ("floor", 1)])
def test_the_payload_carries_the_kept_entries(name, rule, kept):
    x = np.arange(1.0, 7.0)[None, :]  # D = 6, k = 0.25: 1.5 entries asked
    compressor = gs.compress.create(f"{name}:k=0.25,round={rule}")
    state = compressor.init(x.shape, seed=1)
    batch, _ = compressor.encode(x, state, None)
    index_bits = 3 if name == "topk" else 0  # ceil(log2 6) bits per index; randk sends none
    assert int(batch.nbits[0]) == kept * (index_bits + 32)
    assert np.count_nonzero(compressor.decode(batch, state)[0]) == kept
    assert compressor.omega(6) == kept / 6


def test_the_default_is_nearest_and_a_count_ignores_the_rule():
    assert gs.compress.create("topk:k=0.25") == gs.compress.create("topk:k=0.25,round=nearest")
    assert gs.compress.create("randk:k=3,round=floor").kept(10) == 3


@pytest.mark.parametrize("name", ["topk", "randk"])
def test_an_unknown_rule_is_refused(name):
    with pytest.raises(
        ConfigError, match=rf"{name}: round='up' is not valid; use nearest or floor"
    ):
        gs.compress.create(f"{name}:k=0.5,round=up")


def test_a_choco_run_with_floor_sends_fewer_bits():
    def bits(rule):
        config = gs.config.RunConfig(
            agents=4, dim=6, rounds=5, target=0, compressor=f"topk:k=0.25,round={rule}"
        )
        return gs.simulation.execute(config).final.cumulative_bits

    assert bits("floor") * 2 == bits("nearest")  # 1 entry per message against 2
