import numpy as np
import pytest

from gossip_sim._random import as_seed, stream
from gossip_sim.errors import ConfigError


def test_a_seed_sequence_of_several_integers_gives_a_stable_63_bit_seed():
    seed = as_seed(np.random.SeedSequence([1, 2]))
    assert isinstance(seed, int) and 0 <= seed < 2**63
    assert as_seed(np.random.SeedSequence([1, 2])) == seed
    assert as_seed(np.random.SeedSequence([2, 1])) != seed


def test_a_seed_sequence_of_one_integer_gives_that_integer():
    assert as_seed(np.random.SeedSequence(42)) == 42
    assert as_seed(np.random.SeedSequence(2**64 + 5)) == (2**64 + 5) % 2**63


def test_spawned_children_give_different_seeds():
    first, second = np.random.SeedSequence(42).spawn(2)
    assert len({as_seed(first), as_seed(second), 42}) == 3


def test_streams_accept_every_seed_like():
    for seed in (3, np.int64(3), np.random.SeedSequence(3)):
        assert stream(seed, "data").random() == stream(3, "data").random()
    assert stream(np.random.SeedSequence([1, 2]), "data").random() >= 0


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True])
def test_a_seed_that_is_not_a_non_negative_integer_is_refused(seed):
    with pytest.raises(ConfigError, match=rf"seed={seed!r} is not valid; give a non-negative"):
        as_seed(seed)
