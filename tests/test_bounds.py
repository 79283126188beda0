"""The seed papers' bounds: exact values, monotonicity, orderings, conditions and errors."""

import math
from dataclasses import dataclass, field

import numpy as np
import pytest

from gossip_sim.bounds import (
    KA_CONDITION_CONSTANT,
    Bound,
    alistarh_2017_upper,
    korhonen_alistarh_thm3,
    korhonen_alistarh_thm4,
    korhonen_alistarh_thm9,
    korhonen_alistarh_thm11,
    lower_bound_for,
    magnusson_upper,
    ratio,
    song_thm31,
    song_thm32,
    song_thm41,
    song_thm42,
    song_thm43,
    tsitsiklis_luo_upper,
)
from gossip_sim.errors import ConfigError

# ---------------------------------------------------------------- exact values, by hand


def test_thm3_exact():
    b = korhonen_alistarh_thm3(4, 8, beta0=1.0, eps=1e-3)
    assert b.bits == pytest.approx(4 * 8 * math.log2(4 * 8 / 1e-3), rel=1e-12)
    assert b.log2_bits == pytest.approx(math.log2(b.bits), rel=1e-12)
    assert (b.kind, b.applies, b.reason, b.hidden_constant) == ("lower", True, "", True)
    assert b.parameters["beta"] == 4.0  # β = β0·N


def test_thm4_exact_uses_beta0_d_over_eps():
    # log2(β d/(N ε)) = log2(β0 d/ε) = log2(2·4/(1/32)) = 8
    b = korhonen_alistarh_thm4(3, 4, beta0=2.0, eps=1 / 32)
    assert b.bits == pytest.approx(3 * 4 * 8)


def test_thm9_exact_log2_and_small_value():
    b = korhonen_alistarh_thm9(2, 2, beta=2.0, eps=1.0)  # N 2^(d log2(βd)/ε) = 2·2^4
    assert b.bits == pytest.approx(32.0)
    assert b.log2_bits == pytest.approx(5.0)


def test_thm11_exact_and_kappa_raised_to_two():
    b = korhonen_alistarh_thm11(4, 8, beta0=1.0, eps=1e-3, kappa=8.0)
    assert b.bits == pytest.approx(4 * 8 * 8 * 3 * math.log2(32 / 1e-3))
    small = korhonen_alistarh_thm11(4, 8, beta0=1.0, eps=1e-3, kappa=1.0)
    assert small.bits == pytest.approx(4 * 8 * 2 * 1 * math.log2(32 / 1e-3))
    assert small.parameters["kappa_used"] == 2.0


def test_table2_upper_bounds_exact():
    x = math.log2(4 * 8 / 1e-3)
    assert alistarh_2017_upper(4, 8, 1.0, 1e-3).bits == pytest.approx(4 * 8 * x)
    assert magnusson_upper(4, 8, 1.0, 1e-3, kappa=4.0).bits == pytest.approx(
        4 * 4 * 8 * math.log2(32) * x
    )
    # two nodes: β = 2 β0
    assert tsitsiklis_luo_upper(8, 1.0, 1e-3, kappa=4.0).bits == pytest.approx(
        4 * 8 * 5 * math.log2(2 * 8 / 1e-3)
    )


def test_upper_bound_logs_are_floored_at_one():
    assert alistarh_2017_upper(1, 1, beta0=1.0, eps=10.0).bits == 1.0


def test_song_lower_exact():
    assert song_thm31(5, 100, 1e-4).bits == pytest.approx(5 * 100 * math.log2(1e6))
    assert song_thm32(5, 2500, 1e-4).bits == pytest.approx(5 * 2500 * math.log2(2.5e7))


def test_song_thm41_exact_total_is_k_times_per_agent():
    L, mu, d, f0, eps = 4.0, 0.5, 64, 10.0, 1e-3
    c = max(math.sqrt(16 * L / mu**2 + L**1.5 / mu), 100.0)
    b = math.log2(math.sqrt(c * d) + 1)
    per_agent = 8 * b * d * L**1.5 / mu * math.log(f0 / eps)
    bound = song_thm41(5, d, eps, smoothness=L, pl_constant=mu, initial_value=f0)
    assert bound.parameters["bits_per_agent"] == pytest.approx(per_agent)
    assert bound.bits == pytest.approx(5 * per_agent)
    assert not bound.hidden_constant and bound.kind == "upper" and bound.applies
    assert song_thm41(5, d, eps, smoothness=L, pl_constant=mu, initial_value=f0,
                      b0=100).parameters["b"] == 100


def test_song_thm42_exact():
    bound = song_thm42(5, 40, 1e-4, kappa=2.0, initial_value=1.0, b=8)
    assert bound.bits == pytest.approx(5 * 2 * 8 * 16 * 40 * math.log(1e4))


def test_song_thm43_exact():
    b = song_thm43(2, 9, 4, eps=0.25, kappa=2, spectral_gap=0.5, sigma_max=1.0, zeta=0.5, n=6)
    # κ² H log2 H / δ² = 4·4·2/0.25 = 128; [2 + log2(1 + 6/6)] = 3; · log2(1/ε) = 2; × K = 2
    assert b.bits == pytest.approx(128 * 3 * 2 * 2)
    assert b.hidden_constant


def test_already_at_target_upper_bound_is_zero():
    b = song_thm42(5, 40, 1.0, kappa=2.0, initial_value=0.5, b=8)
    assert b.bits == 0.0 and b.log2_bits == -math.inf


# ---------------------------------------------------------------- monotonicity


@pytest.mark.parametrize("fn", [korhonen_alistarh_thm3, korhonen_alistarh_thm4])
def test_ka_lower_bounds_grow_with_n_d_and_accuracy(fn):
    base = fn(4, 64, 1.0, 1e-3).bits
    assert fn(8, 64, 1.0, 1e-3).bits > base
    assert fn(4, 128, 1.0, 1e-3).bits > base
    assert fn(4, 64, 1.0, 1e-4).bits > base


@pytest.mark.parametrize("fn", [song_thm31, song_thm32])
def test_song_lower_bounds_grow(fn):
    base = fn(4, 64, 1e-3).bits
    assert fn(8, 64, 1e-3).bits > base
    assert fn(4, 128, 1e-3).bits > base
    assert fn(4, 64, 1e-4).bits > base


def test_thm9_grows_in_log2():
    base = korhonen_alistarh_thm9(4, 16, 2.0, 0.5).log2_bits
    assert korhonen_alistarh_thm9(8, 16, 2.0, 0.5).log2_bits > base
    assert korhonen_alistarh_thm9(4, 32, 2.0, 0.5).log2_bits > base
    assert korhonen_alistarh_thm9(4, 16, 2.0, 0.25).log2_bits > base


# ---------------------------------------------------------------- orderings


@pytest.mark.parametrize("n, d, eps", [(2, 8, 1e-3), (16, 1000, 1e-6), (100, 10, 0.1)])
def test_randomised_at_most_deterministic(n, d, eps):
    randomised = korhonen_alistarh_thm4(n, d, 1.0, eps)
    assert randomised.bits <= korhonen_alistarh_thm3(n, d, 1.0, eps).bits


@pytest.mark.parametrize("kappa", [1.0, 2.0, 10.0, 1000.0])
@pytest.mark.parametrize("n, d, eps", [(2, 8, 1e-3), (16, 1000, 1e-6)])
def test_ka_lower_at_most_upper(n, d, eps, kappa):
    lower = korhonen_alistarh_thm3(n, d, 1.0, eps)
    assert lower.applies
    for upper in (korhonen_alistarh_thm11(n, d, 1.0, eps, kappa),
                  magnusson_upper(n, d, 1.0, eps, kappa), alistarh_2017_upper(n, d, 1.0, eps)):
        assert upper.applies and lower.bits <= upper.bits, upper.name
    if n == 2:
        assert lower.bits <= tsitsiklis_luo_upper(d, 1.0, eps, kappa).bits


def test_song_lower_at_most_upper():
    k, d, eps = 5, 256, 1e-4
    lower = song_thm31(k, d, eps)
    upper = song_thm41(k, d, eps, smoothness=2.0, pl_constant=0.5, initial_value=1.0)
    assert lower.applies and upper.applies and lower.bits <= upper.bits
    n = 500
    lower = song_thm32(k, n, eps)
    upper = song_thm42(k, 2 * n, eps, kappa=1.0, initial_value=1.0, b=8, n_samples=n)
    assert lower.applies and upper.applies and lower.bits <= upper.bits


# ---------------------------------------------------------------- conditions


def test_thm3_condition_threshold_is_pi_e():
    # d β / ε = 1·2/ε: just above and below πe
    assert korhonen_alistarh_thm3(2, 1, 1.0, 2 / (KA_CONDITION_CONSTANT * 1.01)).applies
    below = korhonen_alistarh_thm3(2, 1, 1.0, 2 / (KA_CONDITION_CONSTANT * 0.99))
    assert not below.applies and "d beta / eps" in below.reason
    assert below.bits > 0  # log argument > 1: still evaluated, but flagged


def test_thm3_log_argument_below_one_gives_zero():
    b = korhonen_alistarh_thm3(2, 1, 1.0, 10.0)
    assert (b.bits, b.log2_bits, b.applies) == (0.0, -math.inf, False)
    assert "log argument" in b.reason


def test_thm4_condition_has_n_squared():
    # β = β0 N = 20: d β / (N² ε) = 2000 / 400 = 5 < πe, although d β / ε = 2000
    b = korhonen_alistarh_thm4(20, 100, 1.0, 1.0)
    assert not b.applies and "N^2" in b.reason and b.bits > 0
    assert korhonen_alistarh_thm3(20, 100, 1.0, 1.0).applies


@pytest.mark.parametrize("fn, name", [(song_thm31, "D / eps"), (song_thm32, "N / eps")])
def test_song_condition(fn, name):
    b = fn(3, 4, 8.0)
    assert (b.bits, b.applies) == (0.0, False) and name in b.reason


def test_thm9_overflow_and_conditions():
    b = korhonen_alistarh_thm9(16, 1000, beta=10.0, eps=1e-3)
    assert b.bits == math.inf and b.applies
    assert b.log2_bits == pytest.approx(4 + 1000 * math.log2(1e4) / 1e-3)
    assert ratio(1e12, b) is None
    assert "2^" in str(b)
    tiny = korhonen_alistarh_thm9(2, 1, beta=0.5, eps=1.0)
    assert tiny.bits == 0 and not tiny.applies and "beta d" in tiny.reason
    # d = 4, β = 8, ε = 1: packing (8·2/(2C))^4 = 2^7.8 ≈ 223 points, dβ/ε = 32 ≥ πe
    assert korhonen_alistarh_thm9(2**7, 4, beta=8.0, eps=1.0).applies
    weak = korhonen_alistarh_thm9(2**300, 4, beta=8.0, eps=1.0)  # 223 ≤ log2 N = 300
    assert not weak.applies and "log2 N" in weak.reason and "πe" not in weak.reason


def test_thm41_and_thm42_conditions():
    b = song_thm41(2, 4, 1e-3, smoothness=0.5, pl_constant=0.1, initial_value=1.0)
    assert not b.applies and "mu < 1 <= L" in b.reason
    b = song_thm42(2, 4, 1e-3, kappa=1.0, initial_value=1.0, b=8, n_samples=10)
    assert not b.applies and "H >= N" in b.reason


def test_tsitsiklis_luo_is_two_node():
    assert tsitsiklis_luo_upper(8, 1.0, 1e-3, kappa=2.0).parameters["N"] == 2


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("kwargs, match", [
    ({"n_agents": 0}, r"n_agents = 0 is not valid; give a whole number ≥ 1"),
    ({"n_agents": 2.5}, r"n_agents = 2\.5 is not valid"),
    ({"dim": True}, r"dim = True is not valid"),
    ({"beta0": -1.0}, r"beta0 = -1\.0 is not valid; give a positive finite number"),
    ({"eps": 0.0}, r"eps = 0\.0 is not valid"),
    ({"eps": math.nan}, r"eps = nan is not valid"),
    ({"eps": math.inf}, r"eps = inf is not valid"),
    ({"eps": "small"}, r"eps = 'small' is not valid; give a positive number"),
])
def test_ka_bad_parameters(kwargs, match):
    args = {"n_agents": 4, "dim": 8, "beta0": 1.0, "eps": 1e-3, **kwargs}
    with pytest.raises(ConfigError, match=r"Korhonen-Alistarh Thm 3: " + match):
        korhonen_alistarh_thm3(**args)


def test_upper_bound_bad_kappa():
    with pytest.raises(ConfigError, match=r"Thm 11: kappa = 0\.5 is not valid; give a number ≥ 1"):
        korhonen_alistarh_thm11(4, 8, 1.0, 1e-3, kappa=0.5)


def test_song_bad_parameters():
    with pytest.raises(ConfigError, match=r"pl_constant = 2 > smoothness = 1 is not valid"):
        song_thm41(2, 4, 1e-3, smoothness=1.0, pl_constant=2.0, initial_value=1.0)
    with pytest.raises(ConfigError, match=r"initial_value = -1\.0 is not valid"):
        song_thm42(2, 4, 1e-3, kappa=1.0, initial_value=-1.0, b=8)
    with pytest.raises(ConfigError, match=r"spectral_gap = 2 is not valid; give δ in \(0, 1\]"):
        song_thm43(2, 4, 4, 1e-3, kappa=1, spectral_gap=2, sigma_max=1, zeta=0.1, n=1)
    with pytest.raises(ConfigError, match=r"zeta = 1 is not valid; give a probability"):
        song_thm43(2, 4, 4, 1e-3, kappa=1, spectral_gap=1, sigma_max=1, zeta=1, n=1)
    with pytest.raises(ConfigError, match=r"n_samples = 0 is not valid"):
        song_thm32(2, 0, 1e-3)


def test_ratio():
    b = korhonen_alistarh_thm3(4, 8, 1.0, 1e-3)
    assert ratio(2 * b.bits, b) == pytest.approx(2.0)
    assert ratio(0, b) == 0.0
    assert ratio(10, korhonen_alistarh_thm3(2, 1, 1.0, 10.0)) is None  # does not apply, 0
    with pytest.raises(ConfigError, match=r"bits_used = -1 is not valid"):
        ratio(-1, b)


def test_bound_is_frozen():
    b = Bound("x", "lower", "d", 1.0, 0.0)
    with pytest.raises(AttributeError):
        b.bits = 2.0  # type: ignore[misc]


# ---------------------------------------------------------------- lower_bound_for


@dataclass
class Quadratic:
    n_agents: int = 4
    dim: int = 8
    bound_kind: str = "quadratic"
    beta0: float | None = 1.0
    smoothness: float = 8.0
    domain_diameter: float | None = None


@dataclass
class Samples:
    n_agents: int = 5
    dim: int = 10_000
    bound_kind: str = "overparameterized"
    samples_per_agent: tuple[int, ...] | None = (500, 500, 500, 500, 1000)


@dataclass
class Averaging:  # no bound_kind: the existing Consensus problem
    n_agents: int = 4
    dim: int = 8
    values: np.ndarray = field(default_factory=lambda: np.array([[-1.0], [1.0]]))

    def initial(self):
        return self.values


def test_dispatch_quadratic_is_thm3():
    b = lower_bound_for(Quadratic(), 1e-3, coordinator=True)
    assert b.name == "Korhonen-Alistarh Thm 3"
    assert b.bits == pytest.approx(4 * 8 * math.log2(4 * 8 / 1e-3))
    assert b.parameters["model"] == "coordinator" and b.parameters["target"] == 1e-3
    assert lower_bound_for(Quadratic(), 1e-3, coordinator=True, randomised=True).name == (
        "Korhonen-Alistarh Thm 4")


def test_dispatch_quadratic_fallbacks_and_domain():
    # β0 = smoothness / (2N) = 8 / 8 = 1: the same as beta0 = 1
    same = lower_bound_for(Quadratic(beta0=None), 1e-3, coordinator=True)
    assert same.bits == pytest.approx(lower_bound_for(Quadratic(), 1e-3, coordinator=True).bits)
    # diameter W = 2√d → side 2 → ε scaled by 1/4
    wide = lower_bound_for(Quadratic(domain_diameter=2 * math.sqrt(8)), 1e-3, coordinator=True)
    assert wide.bits == pytest.approx(4 * 8 * math.log2(4 * 8 * 4 / 1e-3))


def test_dispatch_pl_and_overparameterized():
    pl = lower_bound_for(Quadratic(bound_kind="pl"), 1e-4, coordinator=False)
    assert pl.name == "Song et al. Thm 3.1" and pl.bits == song_thm31(4, 8, 1e-4).bits
    assert "decentralized" in pl.parameters["model"]
    op = lower_bound_for(Samples(), 1e-4, coordinator=True)
    assert op.name == "Song et al. Thm 3.2" and op.bits == song_thm32(5, 3000, 1e-4).bits


def test_dispatch_consensus_mapping():
    # spread s = 2, ε = N·target/s², β = N·1: β d / ε = d s² / target = 8·4/1e-3
    b = lower_bound_for(Averaging(), 1e-3, coordinator=False)
    assert "consensus" in b.name and b.applies
    assert b.bits == pytest.approx(4 * 8 * math.log2(8 * 4 / 1e-3))
    assert b.parameters["spread"] == 2.0
    far = lower_bound_for(Averaging(), 100.0, coordinator=False)  # d s²/target = 0.32
    assert not far.applies and far.bits == 0.0
    flat = lower_bound_for(Averaging(values=np.ones((4, 8))), 1e-3, coordinator=True)
    assert not flat.applies and "all equal" in flat.reason


def test_dispatch_errors():
    with pytest.raises(ConfigError, match=r"bound_kind = 'cubic' is not known; valid: consensus"):
        lower_bound_for(Quadratic(bound_kind="cubic"), 1e-3, coordinator=True)
    with pytest.raises(ConfigError, match=r"needs samples_per_agent"):
        lower_bound_for(Samples(samples_per_agent=None), 1e-3, coordinator=True)
    with pytest.raises(ConfigError, match=r"target = 0 is not valid"):
        lower_bound_for(Quadratic(), 0, coordinator=True)
    with pytest.raises(ConfigError, match=r"problem.n_agents = None is not valid"):
        lower_bound_for(object(), 1e-3, coordinator=True)
