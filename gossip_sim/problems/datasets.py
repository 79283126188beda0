"""Real data for the problems: shipped or scikit-learn sets, or your own CSV/NPZ, over agents.

``data`` names one of the data sets in :data:`DATASETS`, which load without a network
connection, or is a path to

* a ``.csv`` file: comma-separated numbers, the **last column is the target**, an optional
  header row (a first line that does not parse as numbers is skipped);
* a ``.npz`` file holding arrays ``X`` (rows × columns) and ``y`` (rows).

Split rules, applied to the K·samples rows a problem uses (drawn at random, seeded, when the
data set has more):

* ``iid``: rows shuffled, agent k gets rows k·samples … (k+1)·samples − 1;
* ``sorted``: rows sorted by target (stable), then the same contiguous chunks, so agent 0 holds
  the smallest targets: the documented non-iid rule (label skew for classification);
* ``dirichlet`` (classification, :func:`dirichlet_split`): the rows of each class are dealt to
  the agents in proportions drawn from Dirichlet(α·1_K), so agents hold unequal numbers of rows
  and unequal label mixes; small α, strong skew.

Examples
--------
>>> X, y = gs.problems.datasets.split_rows(np.eye(4), np.array([3., 1., 2., 0.]), 2, 2,
...                                         "sorted", seed=0)
>>> y.tolist()
[0.0, 1.0, 2.0, 3.0]
"""

from __future__ import annotations

import difflib
import importlib
from pathlib import Path

import numpy as np

from gossip_sim._typing import Stack, Vector
from gossip_sim.errors import ConfigError
from gossip_sim.problems._common import SPLITS, check_choice, check_positive, shared_stream

__all__ = [
    "DATASETS",
    "SHIPPED",
    "dirichlet_split",
    "load_dataset",
    "load_table",
    "sort_by_target",
    "split_rows",
    "standardise",
]

#: Named data sets (name → loader in ``sklearn.datasets``; those in :data:`SHIPPED` are read
#: from gossip-sim's own copy instead, with the same rows).
DATASETS = {
    "breast-cancer": "load_breast_cancer",
    "diabetes": "load_diabetes",
    "digits": "load_digits",
    "iris": "load_iris",
    "wine": "load_wine",
}

#: Data sets shipped in ``gossip_sim/problems/data/`` (name → file, in scikit-learn's CSV
#: format), read without scikit-learn. Source, licence and citation: the README there.
SHIPPED = {"breast-cancer": "breast_cancer.csv"}

_SHIPPED_DIR = Path(__file__).resolve().parent / "data"

#: Sub-stream number (see ``shared_stream``) of the Dirichlet split's draws: 0 is a problem's
#: teacher or hyperplane, 1 the choice of rows of a real data set.
_DIRICHLET_STREAM = 2

#: Draws of a Dirichlet split before it is refused: a draw that leaves an agent with no rows
#: is drawn again (NIID-Bench's rule, Li, Diao, Chen & He 2022, with a minimum of one row).
_DIRICHLET_DRAWS = 100


def _looks_like_path(data: str) -> bool:
    return any(c in data for c in "/\\") or data.lower().endswith((".csv", ".npz"))


def _load_shipped(name: str) -> tuple[Stack, Vector]:
    """Read a shipped file in scikit-learn's format: a first line ``rows,columns,names...``."""
    path = _SHIPPED_DIR / SHIPPED[name]
    with path.open(encoding="utf-8") as handle:
        rows, columns = (int(v) for v in handle.readline().split(",")[:2])
        table = np.loadtxt(handle, delimiter=",", ndmin=2)
    if table.shape != (rows, columns + 1):  # a damaged install, not a user's mistake
        raise ConfigError(
            f"data set {name!r}: {path} holds {table.shape} values, not {rows} rows of "
            f"{columns} features and a target; reinstall gossip-sim"
        )
    return table[:, :-1], table[:, -1]


def _load_sklearn(name: str) -> tuple[Stack, Vector]:
    if name in SHIPPED:
        return _load_shipped(name)
    try:
        datasets = importlib.import_module("sklearn.datasets")
    except ImportError:
        raise ConfigError(
            f"data set {name!r} needs scikit-learn; install it with: "
            "pip install 'gossip-sim[datasets]', or give a path to a .csv or .npz file"
        ) from None
    bunch = getattr(datasets, DATASETS[name])()
    return np.asarray(bunch.data, dtype=float), np.asarray(bunch.target, dtype=float)


def _load_csv(path: Path) -> tuple[Stack, Vector]:
    try:
        with path.open(encoding="utf-8") as handle:
            first = handle.readline()
        try:
            [float(v) for v in first.split(",")]
            header = 0
        except ValueError:
            header = 1
        table = np.loadtxt(path, delimiter=",", skiprows=header, ndmin=2, encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(
            f"cannot read {str(path)!r}: it is not UTF-8 text; give a .csv of comma-separated "
            "numbers (feature columns, then the target) or a .npz file with X and y"
        ) from None
    except ValueError as exc:
        reason = str(exc).split("; use `usecols`")[0]  # NumPy's hint names its own argument
        raise ConfigError(
            f"cannot read {str(path)!r} as comma-separated numbers: {reason}"
        ) from None
    if table.shape[1] < 2 or table.shape[0] < 1:
        raise ConfigError(
            f"{str(path)!r} has {table.shape[1]} column(s); give feature columns then the target"
        )
    return table[:, :-1], table[:, -1]


def _load_npz(path: Path) -> tuple[Stack, Vector]:
    with np.load(path) as arrays:
        if "X" not in arrays or "y" not in arrays:
            raise ConfigError(
                f"{str(path)!r} holds arrays {', '.join(arrays.files) or 'none'}; "
                "it must hold X (rows × columns) and y (rows)"
            )
        X, y = np.asarray(arrays["X"], dtype=float), np.asarray(arrays["y"], dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ConfigError(
            f"{str(path)!r}: X has shape {X.shape} and y {y.shape}; "
            "give X as rows × columns and y with one entry per row"
        )
    return X, y


def load_dataset(data: str, also: tuple[str, ...] = ()) -> tuple[Stack, Vector]:
    """Return the inputs X (rows × columns) and targets y of a named data set or a file.

    Parameters
    ----------
    data : str
        One of :data:`DATASETS` or a path to a ``.csv`` / ``.npz`` file (see the module notes).
    also : tuple of str
        Other names the caller accepts (such as ``"synthetic"``), listed when ``data`` is unknown.

    Examples
    --------
    >>> gs.problems.datasets.load_dataset("nope")
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: unknown data set 'nope'; valid: breast-cancer, diabetes, ...
    """
    if data in DATASETS:
        X, y = _load_sklearn(data)
    elif not _looks_like_path(data) and not Path(data).exists():
        names = (*also, *DATASETS)
        close = difflib.get_close_matches(data, names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(
            f"unknown data set {data!r}; valid: {', '.join(names)}, "
            f"or a path to a .csv or .npz file{hint}"
        )
    else:
        path = Path(data).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"data file {data!r} does not exist; give an existing .csv or .npz file, "
                f"or one of {', '.join((*also, *DATASETS))}"
            )
        if path.suffix.lower() == ".npz":
            X, y = _load_npz(path)
        else:
            X, y = _load_csv(path)
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ConfigError(f"data set {data!r} holds NaN or inf values; clean it first")
    return X, y


def standardise(values: Stack) -> Stack:
    """Return ``values`` with every column shifted to mean 0 and scaled to variance 1.

    Constant columns become 0 (they carry no information).

    Examples
    --------
    >>> Z = gs.problems.datasets.standardise(np.array([[1.0, 5.0], [3.0, 5.0]]))
    >>> Z.tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    """
    centred = values - values.mean(axis=0)
    scale = centred.std(axis=0)
    return centred / np.where(scale > 0, scale, 1.0)


def sort_by_target(X: Stack, y: Vector) -> tuple[Stack, Vector]:
    """Return the rows of ``X`` and ``y`` in increasing order of the target (stable).

    Examples
    --------
    >>> gs.problems.datasets.sort_by_target(np.eye(2), np.array([1.0, 0.0]))[1].tolist()
    [0.0, 1.0]
    """
    order = np.argsort(y, kind="stable")
    return X[order], y[order]


def split_rows(
    X: Stack,
    y: Vector,
    n_agents: int,
    samples: int,
    split: str,
    seed: int = 0,
    *,
    problem: str = "problem",
) -> tuple[Stack, Vector]:
    """Return the K·samples rows the agents hold, in agent order, drawn and ordered by ``split``.

    The rows are a seeded random choice of K·samples rows (all of them if the data set has no
    more); ``iid`` keeps them shuffled, ``sorted`` sorts them by target. Agent k holds rows
    ``k*samples:(k+1)*samples`` of the result.

    Examples
    --------
    >>> X, y = gs.problems.datasets.split_rows(np.eye(5), np.arange(5.0), 2, 2, "iid")
    >>> X.shape, len(set(y.tolist()))
    ((4, 5), 4)
    """
    check_choice(problem, "split", split, SPLITS)
    needed = n_agents * samples
    if needed > len(y):
        raise ConfigError(
            f"{problem}: samples = {samples} is too many: {n_agents} agents × {samples} = "
            f"{needed} rows, but the data set has {len(y)}; give samples <= {len(y) // n_agents}"
        )
    chosen = shared_stream(seed, 1).permutation(len(y))[:needed]
    X, y = X[chosen], y[chosen]
    return sort_by_target(X, y) if split == "sorted" else (X, y)


def dirichlet_split(
    X: Stack,
    y: Vector,
    n_agents: int,
    alpha: float,
    seed: int = 0,
    *,
    problem: str = "problem",
) -> tuple[Stack, Vector, tuple[int, ...]]:
    r"""Deal the rows to the agents class by class, in Dirichlet(α·1_K) proportions.

    For every class c (each distinct value of ``y``, in increasing order) the rows of that
    class are shuffled and cut into K consecutive parts whose sizes follow proportions
    p_c ~ Dirichlet(α·1_K): agent k gets ⌊N_c·(p_c,1 + … + p_c,k)⌋ − ⌊N_c·(p_c,1 + … +
    p_c,k−1)⌋ of them. This is the per-class form of Dirichlet label skew used across
    federated-learning benchmarks (Yurochkin et al. 2019; Wang et al. 2020, FedMA; Hsu, Qi &
    Brown 2019 introduced Dirichlet label skew with a per-client form, q_k ~ Dir(α·p) over the
    classes at a fixed row count); it gives unequal row counts, as in those benchmarks. Small α
    (0.1): most agents hold one class; large α (100): close to ``iid``.

    A draw that leaves an agent with no rows is drawn again, up to 100 draws, as NIID-Bench
    does (Li, Diao, Chen & He 2022, ``min_require_size``, here 1): the split is Dirichlet
    conditioned on every agent holding a row. The draws come from the problem-wide stream
    ``shared_stream(seed, 2)`` (per draw and class: one shuffle, one Dirichlet draw), so a
    split depends only on (seed, K, α, the labels).

    Parameters
    ----------
    X, y : ndarray
        The rows (N × D) and their class labels (N).
    n_agents : int
        K.
    alpha : float
        α > 0, the concentration.
    seed : int
        Seeds the draws.
    problem : str
        The problem's name, for messages.

    Returns
    -------
    X, y : ndarray
        The rows in agent order (agent 0's rows first; within an agent, in class order).
    counts : tuple of int
        The rows of every agent, each >= 1, summing to N.

    Raises
    ------
    ConfigError
        For α <= 0, or when all 100 draws leave an agent with no rows (it names what to change).

    Examples
    --------
    >>> y = np.repeat([0.0, 1.0], 50)
    >>> X2, y2, counts = gs.problems.datasets.dirichlet_split(np.eye(100), y, 4, 1.0)
    >>> sum(counts), len(counts), sorted(y2.tolist()) == y.tolist()
    (100, 4, True)
    >>> gs.problems.datasets.dirichlet_split(np.eye(100), y, 40, 0.1, problem="logistic")
    Traceback (most recent call last):
    ...
    gossip_sim.errors.ConfigError: logistic: split = dirichlet with alpha = 0.1 left an agent ...
    """
    alpha = check_positive(problem, "alpha", alpha)
    rng = shared_stream(seed, _DIRICHLET_STREAM)
    labels = np.unique(y)
    for _ in range(_DIRICHLET_DRAWS):
        owner = np.empty(len(y), dtype=np.int64)
        for label in labels:
            rows = rng.permutation(np.flatnonzero(y == label))
            shares = rng.dirichlet(np.full(n_agents, alpha))
            cuts = np.floor(np.cumsum(shares)[:-1] * len(rows)).astype(np.int64)
            for k, part in enumerate(np.split(rows, cuts)):
                owner[part] = k
        counts = np.bincount(owner, minlength=n_agents)
        if counts.min() >= 1:
            break
    else:
        raise ConfigError(
            f"{problem}: split = dirichlet with alpha = {alpha:g} left an agent with no rows in "
            f"all {_DIRICHLET_DRAWS} draws ({n_agents} agents, {len(y)} rows); raise alpha or "
            "samples, or use fewer agents"
        )
    order = np.lexsort((y, owner))  # by agent, then by class; stable within a class
    return X[order], y[order], tuple(int(c) for c in counts)


def load_table(
    data: str,
    n_agents: int,
    samples: int,
    split: str,
    seed: int = 0,
    *,
    standardise_target: bool = True,
    problem: str = "problem",
    also: tuple[str, ...] = (),
) -> tuple[Stack, Vector]:
    r"""Load ``data``, pick and order the rows by ``split``, standardise X (and y if asked).

    ``also`` names the caller's own data sources, for the message about an unknown name.
    Standardisation uses the rows the agents hold, so the chosen inputs have mean 0 and
    variance 1 per column (and so does the target, unless ``standardise_target=False``).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "t.csv")
    >>> _ = open(path, "w").write("a,b,y\n1,2,0\n2,1,1\n3,3,2\n4,0,3\n")
    >>> X, y = gs.problems.datasets.load_table(path, 2, 2, "sorted")
    >>> X.shape, bool(np.all(np.diff(y) > 0))
    ((4, 2), True)
    """
    X, y = load_dataset(data, also)
    X, y = split_rows(X, y, n_agents, samples, split, seed, problem=problem)
    return standardise(X), (standardise(y[:, None])[:, 0] if standardise_target else y)
