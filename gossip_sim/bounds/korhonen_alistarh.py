"""Korhonen & Alistarh's bounds for minimising F(x) = Σ_i f_i(x) over N nodes and a coordinator.

Lower bounds (Theorems 3, 4 and 9) and the upper bounds of their Table 2 and Theorem 11, each
as the formula's value **without the constant the Ω/O hides**, in total bits, logarithms to
base 2. The hard instances are f_i(x) = β0‖x − x_i‖² on [0, 1]^d, and β = β0·N, as the paper
states it (the true smoothness of Σ_i β0‖x − x_i‖² is 2β0N; see ``docs/reference/bounds.md``).

Conditions written "= Ω(1)" are checked against :data:`KA_CONDITION_CONSTANT` = πe ≈ 8.54,
the paper's footnote 1 ("the constant hidden by Ω(1) ... is at most πe < 8.6 in all lower
bounds"). When a condition fails the bound is still evaluated but ``applies`` is False; when a
lower bound's log argument is ≤ 1 its value is 0.

Examples
--------
>>> b = korhonen_alistarh_thm3(4, 8, beta0=1.0, eps=1e-3)
>>> b.bits == 4 * 8 * math.log2(4 * 8 / 1e-3), b.applies
(True, True)
"""

from __future__ import annotations

import math

from gossip_sim.bounds.base import Bound, at_least, count, from_log2, log2_plus, positive
from gossip_sim.bounds.base import product_log2 as _log2_of

__all__ = [
    "KA_CONDITION_CONSTANT",
    "alistarh_2017_upper",
    "korhonen_alistarh_thm3",
    "korhonen_alistarh_thm4",
    "korhonen_alistarh_thm9",
    "korhonen_alistarh_thm11",
    "magnusson_upper",
    "tsitsiklis_luo_upper",
]

#: The threshold every "… = Ω(1)" condition of the paper is checked against (their footnote 1).
KA_CONDITION_CONSTANT = math.pi * math.e

#: C = (πe/2)^{1/2}, the constant of the point packing of their Lemma 2 (Tsitsiklis & Luo).
PACKING_CONSTANT = math.sqrt(math.pi * math.e / 2)


def _problem(where: str, n_agents: int, dim: int, beta0: float, eps: float) -> dict[str, float]:
    """Check N, d, β0, ε and return them with β = β0·N."""
    n = count(where, "n_agents", n_agents)
    d = count(where, "dim", dim)
    b0 = positive(where, "beta0", beta0)
    e = positive(where, "eps", eps)
    return {"N": n, "d": d, "beta0": b0, "beta": b0 * n, "eps": e}


def _nd_log(name: str, formula: str, p: dict[str, float], log_arg: float, cond: float,
            cond_text: str) -> Bound:
    """Evaluate N d log2(x), the shape of Theorems 3 and 4, and check the condition."""
    p = {**p, "log_argument": log_arg, "condition": cond}
    if log_arg <= 1:
        return Bound(name, "lower", formula, 0.0, -math.inf, False,
                     f"log argument {log_arg:.3g} ≤ 1, so the bound is 0; "
                     f"condition {cond_text} ≥ πe fails", parameters=p)
    log_factor = math.log2(log_arg)
    bits = p["N"] * p["d"] * log_factor
    applies = cond >= KA_CONDITION_CONSTANT
    reason = "" if applies else f"condition {cond_text} = {cond:.3g} < πe ≈ 8.54 fails"
    return Bound(name, "lower", formula, bits, _log2_of(p["N"], p["d"], log_factor), applies,
                 reason, parameters=p)


def korhonen_alistarh_thm3(n_agents: int, dim: int, beta0: float, eps: float) -> Bound:
    """Deterministic lower bound Ω(N d log(βd/ε)), β = β0·N, if dβ/ε = Ω(1) (Theorem 3).

    Any deterministic protocol that finds an ε-minimiser of Σ_i β0‖x − x_i‖² over [0, 1]^d
    (and its value to within ε) sends this many bits in total.

    Parameters
    ----------
    n_agents
        N, the nodes holding a function (the coordinator holds none).
    dim
        d, the dimension.
    beta0
        β0 of each local quadratic β0‖x − x_i‖²; β = β0·N.
    eps
        ε, the additive accuracy in F.

    Returns
    -------
    Bound
        ``bits`` = N d log2(βd/ε), without the hidden constant; ``applies`` is False when
        dβ/ε < πe.

    Examples
    --------
    >>> korhonen_alistarh_thm3(2, 1, beta0=1.0, eps=0.5).bits
    4.0
    """
    p = _problem("Korhonen-Alistarh Thm 3", n_agents, dim, beta0, eps)
    x = p["d"] * p["beta"] / p["eps"]
    return _nd_log("Korhonen-Alistarh Thm 3", "N d log2(beta d / eps)", p, x, x, "d beta / eps")


def korhonen_alistarh_thm4(n_agents: int, dim: int, beta0: float, eps: float) -> Bound:
    """Randomised lower bound Ω(N d log(βd/(Nε))), β = β0·N, if dβ/(N²ε) = Ω(1) (Theorem 4).

    It holds for every protocol, randomised (SGD, random quantisers) or not, that outputs a
    point within (ε/β)^{1/2} of the minimiser with probability 2/3. The paper notes the
    condition's constant is eπ < 8.6.

    Parameters
    ----------
    n_agents, dim, beta0, eps
        N, d, β0 and ε as in :func:`korhonen_alistarh_thm3`.

    Returns
    -------
    Bound
        ``bits`` = N d log2(βd/(Nε)) = N d log2(β0 d/ε), without the hidden constant;
        ``applies`` is False when dβ/(N²ε) < πe.

    Examples
    --------
    >>> korhonen_alistarh_thm4(2, 4, beta0=1.0, eps=1 / 64).bits
    64.0
    """
    p = _problem("Korhonen-Alistarh Thm 4", n_agents, dim, beta0, eps)
    x = p["d"] * p["beta"] / (p["N"] * p["eps"])
    cond = x / p["N"]
    return _nd_log("Korhonen-Alistarh Thm 4", "N d log2(beta d / (N eps))", p, x, cond,
                   "d beta / (N^2 eps)")


def korhonen_alistarh_thm9(n_agents: int, dim: int, beta: float, eps: float) -> Bound:
    """Non-convex lower bound N·exp(Ω(d log(βd)/ε)) (Theorem 9), evaluated as N·2^(d log2(βd)/ε).

    The inputs are β-Lipschitz functions that are 0 in balls around points of a packing of
    [0, 1]^d; ``beta`` is that Lipschitz constant of each local function (the theorem is stated
    in β directly, not β0·N). Conditions: dβ/ε = Ω(1) (checked as ≥ πe) and
    (β d^{1/2}/(2Cε))^d = ω(log N), C = (πe/2)^{1/2} (checked as > log2 N, and ≥ 2 so the
    packing has two points). The value overflows a float quickly: ``bits`` is then ``inf``
    and ``log2_bits`` = log2 N + d log2(βd)/ε is exact.

    Parameters
    ----------
    n_agents, dim, eps
        N, d and ε as in :func:`korhonen_alistarh_thm3`.
    beta
        β, the Lipschitz constant of every local function.

    Returns
    -------
    Bound
        ``bits`` = N·2^(d log2(βd)/ε) without the hidden constant (0 when βd ≤ 1).
        ``parameters['log2_packing_size']`` is log2 of (β√d/(2Cε))^d, the size of the hard
        family the proof uses.

    Examples
    --------
    >>> b = korhonen_alistarh_thm9(4, 100, beta=1.0, eps=0.01)
    >>> b.bits, b.log2_bits == 2 + 100 * math.log2(100) / 0.01
    (inf, True)
    """
    where = "Korhonen-Alistarh Thm 9"
    n, d = count(where, "n_agents", n_agents), count(where, "dim", dim)
    b, e = positive(where, "beta", beta), positive(where, "eps", eps)
    packing = d * math.log2(b * math.sqrt(d) / (2 * PACKING_CONSTANT * e))
    p = {"N": n, "d": d, "beta": b, "eps": e, "condition": d * b / e,
         "log2_packing_size": packing}
    formula = "N 2^(d log2(beta d) / eps)"
    if b * d <= 1:
        return Bound(where, "lower", formula, 0.0, -math.inf, False,
                     f"beta d = {b * d:.3g} ≤ 1: the exponent d log(beta d)/eps is not positive",
                     parameters=p)
    log2_bits = math.log2(n) + d * math.log2(b * d) / e
    reasons = []
    if d * b / e < KA_CONDITION_CONSTANT:
        reasons.append(f"condition d beta / eps = {d * b / e:.3g} < πe ≈ 8.54 fails")
    if packing < 1 or (n > 1 and packing <= math.log2(math.log2(n))):
        reasons.append(f"condition (beta d^(1/2) / (2 C eps))^d = 2^{packing:.3g} > "
                       f"max(log2 N, 1) (for ω(log N)) fails")
    return Bound(where, "lower", formula, from_log2(log2_bits), log2_bits, not reasons,
                 "; ".join(reasons), parameters=p)


def _kappa(where: str, kappa: float) -> float:
    """Check a condition number κ ≥ 1."""
    return at_least(where, "kappa", kappa, 1.0)


def _upper(name: str, formula: str, factors: list[float], p: dict[str, float],
           **extra: object) -> Bound:
    """Return the upper bound whose value is the product of ``factors``."""
    return Bound(name, "upper", formula, math.prod(factors), _log2_of(*factors),
                 parameters={**p, **extra})


def alistarh_2017_upper(n_agents: int, dim: int, beta0: float, eps: float) -> Bound:
    """Upper bound O(N d log(βd/ε)) for constant κ: QSGD in SVRG (Table 2, Alistarh et al. 2017).

    Randomised, in the broadcast model (it does not carry over to message passing), for a
    constant condition number, which is why κ is not a parameter.

    Parameters
    ----------
    n_agents, dim, beta0, eps
        N, d, β0 (β = β0·N) and ε as in :func:`korhonen_alistarh_thm3`.

    Returns
    -------
    Bound
        ``bits`` = N d max(log2(βd/ε), 1), without the hidden constant.

    Examples
    --------
    >>> alistarh_2017_upper(2, 1, beta0=1.0, eps=0.5).bits
    4.0
    """
    p = _problem("Alistarh et al. 2017", n_agents, dim, beta0, eps)
    log_acc = log2_plus(p["d"] * p["beta"] / p["eps"])
    return _upper("Alistarh et al. 2017 (K-A Table 2)", "N d log2(beta d / eps)",
                  [p["N"], p["d"], log_acc], p, model="broadcast, randomised, constant kappa")


def tsitsiklis_luo_upper(dim: int, beta0: float, eps: float, kappa: float) -> Bound:
    """Two-node upper bound O(κ d log(κd) log(βd/ε)) (Table 2, Tsitsiklis & Luo 1987).

    Deterministic, two nodes, so N = 2 and β = 2β0.

    Parameters
    ----------
    dim, beta0, eps
        d, β0 and ε as in :func:`korhonen_alistarh_thm3`.
    kappa
        κ = β/α ≥ 1, the condition number of F.

    Returns
    -------
    Bound
        ``bits`` = κ d max(log2(κd), 1) max(log2(βd/ε), 1), without the hidden constant.

    Examples
    --------
    >>> tsitsiklis_luo_upper(2, beta0=1.0, eps=1.0, kappa=2.0).bits
    16.0
    """
    p = _problem("Tsitsiklis-Luo 1987", 2, dim, beta0, eps)
    k = _kappa("Tsitsiklis-Luo 1987", kappa)
    d, log_acc = p["d"], log2_plus(p["beta"] * p["d"] / p["eps"])
    return _upper("Tsitsiklis-Luo 1987 (K-A Table 2)",
                  "kappa d log2(kappa d) log2(beta d / eps)",
                  [k, d, log2_plus(k * d), log_acc], p, kappa=k, model="2-node, deterministic")


def magnusson_upper(n_agents: int, dim: int, beta0: float, eps: float, kappa: float) -> Bound:
    """Upper bound O(N κ d log(κd) log(βd/ε)) (Table 2, Magnússon et al. 2019).

    Deterministic quantised gradient descent, in the broadcast model.

    Parameters
    ----------
    n_agents, dim, beta0, eps
        N, d, β0 (β = β0·N) and ε as in :func:`korhonen_alistarh_thm3`.
    kappa
        κ = β/α ≥ 1, the condition number of F.

    Returns
    -------
    Bound
        ``bits`` = N κ d max(log2(κd), 1) max(log2(βd/ε), 1), without the hidden constant.

    Examples
    --------
    >>> magnusson_upper(2, 2, beta0=1.0, eps=0.5, kappa=2.0).bits
    48.0
    """
    p = _problem("Magnússon et al. 2019", n_agents, dim, beta0, eps)
    k = _kappa("Magnússon et al. 2019", kappa)
    n, d, log_acc = p["N"], p["d"], log2_plus(p["beta"] * p["d"] / p["eps"])
    return _upper("Magnússon et al. 2019 (K-A Table 2)",
                  "N kappa d log2(kappa d) log2(beta d / eps)",
                  [n, k, d, log2_plus(k * d), log_acc], p, kappa=k,
                  model="broadcast, deterministic")


def korhonen_alistarh_thm11(n_agents: int, dim: int, beta0: float, eps: float,
                            kappa: float) -> Bound:
    """Upper bound O(N d κ log κ log(βd/ε)) of their algorithm (Theorem 11; Table 2's §4 row).

    Deterministic quantised gradient descent through the coordinator with lattice
    quantisation. The analysis assumes κ ≥ 2 ("for smaller condition numbers, we can run the
    algorithm with κ = 2"), so κ is raised to 2 when smaller.

    Parameters
    ----------
    n_agents, dim, beta0, eps
        N, d, β0 (β = β0·N) and ε as in :func:`korhonen_alistarh_thm3`.
    kappa
        κ = β/α ≥ 1, the condition number of F.

    Returns
    -------
    Bound
        ``bits`` = N d κ' log2(κ') max(log2(βd/ε), 1) with κ' = max(κ, 2), without the hidden
        constant.

    Examples
    --------
    >>> korhonen_alistarh_thm11(2, 1, beta0=1.0, eps=0.5, kappa=1.0).bits
    8.0
    """
    where = "Korhonen-Alistarh Thm 11"
    p = _problem(where, n_agents, dim, beta0, eps)
    k = max(_kappa(where, kappa), 2.0)
    n, d, log_acc = p["N"], p["d"], log2_plus(p["beta"] * p["d"] / p["eps"])
    return _upper(where, "N d kappa log2(kappa) log2(beta d / eps)",
                  [n, d, k, math.log2(k), log_acc], p, kappa=kappa, kappa_used=k,
                  model="coordinator, deterministic")
