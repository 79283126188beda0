"""Song et al.'s bounds for K agents minimising f(θ) = Σ_k f_k(θ), θ ∈ R^D, with N samples.

Lower bounds (Theorems 3.1, 3.2; deterministic protocols, coordinator model) are returned
without the hidden constant, logarithms to base 2, total bits. Their "D/ε = Ω(1)" and
"N/ε = Ω(1)" are checked as ≥ :data:`SONG_CONDITION_CONSTANT` = 1 (the paper gives no
constant); below it the log is ≤ 0 and the bound is 0.

The upper bounds of Theorems 4.1 and 4.2 are explicit "bits/agent" formulas with no hidden
constant. Their log(f(θ⁰)/ε) counts iterations of a linear rate (1 − r)^T ≤ ε/f(θ⁰), so it
is the natural log; b = max(log2(√(CD) + 1), b0) is a bit width, so base 2. Theorem 4.3 is
an O(·) and uses base 2 throughout. Every upper bound returns **total** bits, K times the
paper's bits per agent (which is in ``parameters['bits_per_agent']``); the server's broadcast
is not in the paper's count.

Examples
--------
>>> song_thm31(5, 100, eps=1e-4).bits == 5 * 100 * math.log2(100 / 1e-4)
True
"""

from __future__ import annotations

import math

from gossip_sim.bounds.base import Bound, at_least, count, log2_plus, positive, product_log2
from gossip_sim.errors import ConfigError

__all__ = [
    "SONG_CONDITION_CONSTANT",
    "song_thm31",
    "song_thm32",
    "song_thm41",
    "song_thm42",
    "song_thm43",
]

#: The threshold the "D/ε = Ω(1)" and "N/ε = Ω(1)" conditions are checked against.
SONG_CONDITION_CONSTANT = 1.0


def _k_m_log(name: str, formula: str, k: int, m: int, eps: float, m_name: str) -> Bound:
    """Evaluate K·M·log2(M/ε) (M = D or N) and check M/ε ≥ 1."""
    x = m / eps
    p = {"K": k, m_name: m, "eps": eps, "condition": x}
    if x <= SONG_CONDITION_CONSTANT:
        return Bound(name, "lower", formula, 0.0, -math.inf, False,
                     f"condition {m_name} / eps = {x:.3g} ≥ 1 fails, so the bound is 0",
                     parameters=p)
    log_factor = math.log2(x)
    return Bound(name, "lower", formula, k * m * log_factor, product_log2(k, m, log_factor),
                 parameters=p)


def song_thm31(n_agents: int, dim: int, eps: float) -> Bound:
    """PL lower bound Ω(K D log(D/ε)) if D/ε = Ω(1) (Theorem 3.1, class C_pl).

    Parameters
    ----------
    n_agents
        K, the agents.
    dim
        D, the dimension of θ.
    eps
        ε, the additive accuracy f(θ̃) − f(θ*) ≤ ε.

    Returns
    -------
    Bound
        ``bits`` = K D log2(D/ε), total, without the hidden constant; 0 and ``applies``
        False when D/ε ≤ 1.

    Examples
    --------
    >>> song_thm31(2, 4, eps=0.25).bits
    32.0
    """
    where = "Song et al. Thm 3.1"
    k, d = count(where, "n_agents", n_agents), count(where, "dim", dim)
    return _k_m_log(where, "K D log2(D / eps)", k, d, positive(where, "eps", eps), "D")


def song_thm32(n_agents: int, n_samples: int, eps: float) -> Bound:
    """Overparameterised lower bound Ω(K N log(N/ε)) if N/ε = Ω(1) (Theorem 3.2, class C_op).

    Independent of the dimension D. (The paper's introduction writes log(K/ε); the theorem
    says log(N/ε), which is what is evaluated.)

    Parameters
    ----------
    n_agents
        K, the agents.
    n_samples
        N = Σ_k N_k, the samples over all agents.
    eps
        ε, the additive accuracy.

    Returns
    -------
    Bound
        ``bits`` = K N log2(N/ε), total, without the hidden constant; 0 and ``applies``
        False when N/ε ≤ 1.

    Examples
    --------
    >>> song_thm32(2, 8, eps=1.0).bits
    48.0
    """
    where = "Song et al. Thm 3.2"
    k, n = count(where, "n_agents", n_agents), count(where, "n_samples", n_samples)
    return _k_m_log(where, "K N log2(N / eps)", k, n, positive(where, "eps", eps), "N")


def _iterations(where: str, initial_value: float, eps: float) -> float:
    """Return ln(f(θ⁰)/ε), the iteration factor of Theorems 4.1–4.2 (0 if already ε-optimal)."""
    f0 = positive(where, "initial_value", initial_value)
    return max(math.log(f0 / positive(where, "eps", eps)), 0.0)


def _total(name: str, formula: str, k: int, per_agent: float, p: dict[str, object],
           *, hidden: bool, applies: bool = True, reason: str = "") -> Bound:
    """Return the upper bound K × ``per_agent``."""
    total = k * per_agent
    log2_total = math.log2(total) if total > 0 else -math.inf
    return Bound(name, "upper", formula, total, log2_total, applies, reason, hidden,
                 {**p, "K": k, "bits_per_agent": per_agent})


def song_thm41(n_agents: int, dim: int, eps: float, *, smoothness: float, pl_constant: float,
               initial_value: float, b0: float = 0.0) -> Bound:
    """Algorithm 1 on PL problems: 8 b D μ⁻¹ L^{3/2} ln(f(θ⁰)/ε) bits per agent (Theorem 4.1).

    An explicit formula (no hidden constant) with b = max(log2(√(CD) + 1), b0) and
    C = max(√(16L/μ² + L^{3/2}/μ), 100). The analysis assumes 2μf ≤ ‖∇f‖² ≤ 2Lf
    (Assumption 3, so f* = 0) and μ < 1 ≤ L; ``applies`` is False otherwise.

    Parameters
    ----------
    n_agents
        K, the agents.
    dim
        D, the dimension of θ.
    eps
        ε, the target f(θ) ≤ ε.
    smoothness
        L, the smoothness constant of f.
    pl_constant
        μ ≤ L, the PL constant of f.
    initial_value
        f(θ⁰), the loss at the start.
    b0
        Bits per entry of the first quantisation (their b0, O(log D); 0 leaves b to the
        first term).

    Returns
    -------
    Bound
        ``bits`` = K · 8 b D L^{3/2} ln(f(θ⁰)/ε) / μ, total (0 if f(θ⁰) ≤ ε).

    Examples
    --------
    >>> b = song_thm41(1, 1, eps=1.0, smoothness=1.0, pl_constant=0.5, initial_value=math.e)
    >>> b.bits == 8 * math.log2(11) * 1 * 2.0, b.parameters["C"]
    (True, 100.0)
    """
    where = "Song et al. Thm 4.1"
    k, d = count(where, "n_agents", n_agents), count(where, "dim", dim)
    big_l, mu = positive(where, "smoothness", smoothness), positive(where, "pl_constant",
                                                                    pl_constant)
    if mu > big_l:
        raise ConfigError(f"{where}: pl_constant = {mu:g} > smoothness = {big_l:g} is not "
                          "valid; the PL constant μ is at most L")
    b0 = at_least(where, "b0", b0, 0.0)
    iters = _iterations(where, initial_value, eps)
    c = max(math.sqrt(16 * big_l / mu**2 + big_l**1.5 / mu), 100.0)
    b = max(math.log2(math.sqrt(c * d) + 1), b0)
    per_agent = 8 * b * d * big_l**1.5 / mu * iters
    ok = mu < 1 <= big_l
    return _total(where, "8 b D L^(3/2) ln(f0 / eps) / mu per agent, times K", k, per_agent,
                  {"D": d, "L": big_l, "mu": mu, "f0": initial_value, "eps": eps, "C": c,
                   "b": b, "b0": b0}, hidden=False, applies=ok,
                  reason="" if ok else f"the analysis assumes mu < 1 <= L (mu = {mu:g}, "
                                       f"L = {big_l:g})")


def song_thm42(n_agents: int, sketch_dim: int, eps: float, *, kappa: float,
               initial_value: float, b: float, n_samples: int | None = None) -> Bound:
    """Algorithm 1 with F(x) = Bx on least squares: 2 b κ⁴ H ln(f(θ⁰)/ε) bits/agent (Thm 4.2).

    An explicit formula (no hidden constant). κ = κ(Z) is the condition number of
    Z = A BᵀB Aᵀ; b, the bits per entry, is set by the paper's eq. (30), which the available
    text does not contain, so it is a parameter. The theorem needs rank(BAᵀ) = N, so H ≥ N:
    given ``n_samples``, ``applies`` is False when H < N.

    Parameters
    ----------
    n_agents
        K, the agents.
    sketch_dim
        H, the rows of the sketch B ∈ R^{H×D}.
    eps
        ε, the target f(θ) ≤ ε (f* = 0).
    kappa
        κ(Z) ≥ 1.
    initial_value
        f(θ⁰).
    b
        Bits per quantised entry.
    n_samples
        N, the samples over all agents (optional; checks H ≥ N).

    Returns
    -------
    Bound
        ``bits`` = K · 2 b κ⁴ H ln(f(θ⁰)/ε), total (0 if f(θ⁰) ≤ ε).

    Examples
    --------
    >>> song_thm42(2, 8, eps=1.0, kappa=1.0, initial_value=math.e, b=4).bits
    128.0
    """
    where = "Song et al. Thm 4.2"
    k, h = count(where, "n_agents", n_agents), count(where, "sketch_dim", sketch_dim)
    kap, bits = at_least(where, "kappa", kappa, 1.0), positive(where, "b", b)
    per_agent = 2 * bits * kap**4 * h * _iterations(where, initial_value, eps)
    n = None if n_samples is None else count(where, "n_samples", n_samples)
    ok = n is None or h >= n
    return _total(where, "2 b kappa^4 H ln(f0 / eps) per agent, times K", k, per_agent,
                  {"H": h, "kappa": kap, "b": bits, "f0": initial_value, "eps": eps, "N": n},
                  hidden=False, applies=ok,
                  reason="" if ok else f"rank(B A^T) = N needs H >= N (H = {h}, N = {n})")


def song_thm43(n_agents: int, dim: int, sketch_dim: int, eps: float, *, kappa: float,
               spectral_gap: float, sigma_max: float, zeta: float, n: float) -> Bound:
    """Algorithm 2 (CHOCO-GOSSIP inside), bits per agent O(κ²H log H/δ² [...] log(1/ε)) (Thm 4.3).

    Evaluated as κ² H L(H) / δ² · [L(1/ε) + log2(1 + (√D + √H + √log2(1/ζ)) / (n σ²))]
    · L(1/ε), with L(x) = max(log2 x, 1), σ = σ_max(Z) the largest eigenvalue of
    Z = A BᵀB Aᵀ, δ = 1 − |λ₂(W)|, and the probability 1 − ζ. The paper does not define
    ``n``; it only enters inside log(1 + ·), so pass your reading of it (N or K) explicitly.

    Parameters
    ----------
    n_agents, dim, sketch_dim
        K, D and H.
    eps
        ε, the target f(θ) ≤ ε.
    kappa
        κ(Z) ≥ 1.
    spectral_gap
        δ ∈ (0, 1].
    sigma_max
        σ_max(Z) > 0.
    zeta
        ζ ∈ (0, 1), the failure probability.
    n
        The paper's undefined n (> 0).

    Returns
    -------
    Bound
        ``bits`` = K × the expression above, total, without the hidden constant.

    Examples
    --------
    >>> b = song_thm43(1, 9, 4, eps=0.25, kappa=1, spectral_gap=1, sigma_max=1, zeta=0.5, n=6)
    >>> b.bits  # 1 · 4 · 2 / 1 · [2 + log2(1 + (3 + 2 + 1) / 6)] · 2
    48.0
    """
    where = "Song et al. Thm 4.3"
    k, d = count(where, "n_agents", n_agents), count(where, "dim", dim)
    h, e = count(where, "sketch_dim", sketch_dim), positive(where, "eps", eps)
    kap, gap = at_least(where, "kappa", kappa, 1.0), positive(where, "spectral_gap", spectral_gap)
    sigma, zet, small_n = (positive(where, "sigma_max", sigma_max),
                           positive(where, "zeta", zeta), positive(where, "n", n))
    if gap > 1:
        raise ConfigError(f"{where}: spectral_gap = {gap:g} is not valid; give δ in (0, 1]")
    if zet >= 1:
        raise ConfigError(f"{where}: zeta = {zet:g} is not valid; give a probability in (0, 1)")
    spread = math.sqrt(d) + math.sqrt(h) + math.sqrt(math.log2(1 / zet))
    rounds = log2_plus(1 / e) + math.log2(1 + spread / (small_n * sigma**2))
    per_agent = kap**2 * h * log2_plus(h) / gap**2 * rounds * log2_plus(1 / e)
    return _total(where, "kappa^2 H log2(H) / delta^2 [log2(1/eps) + log2(1 + (sqrt D + "
                  "sqrt H + sqrt log2(1/zeta)) / (n sigma_max^2))] log2(1/eps) per agent, "
                  "times K", k, per_agent,
                  {"D": d, "H": h, "eps": e, "kappa": kap, "delta": gap, "sigma_max": sigma,
                   "zeta": zet, "n": small_n}, hidden=True)
