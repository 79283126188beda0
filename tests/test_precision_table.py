"""The precision table of docs/reference/compressors.md agrees with the payloads, bit for bit."""

import re
from pathlib import Path

import numpy as np
import pytest

import gossip_sim as gs

PAGE = Path(__file__).resolve().parent.parent / "docs" / "reference" / "compressors.md"
X = np.array([[3.0, -1.0, 4.0, -1.0, 5.0, -9.0, 2.0, -6.0, 5.0, -3.0]])


def _table():
    text = PAGE.read_text().split("## Precision of what travels", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \|.*\| (\d+) \|$", text, re.M)
    return {spec: int(bits) for spec, bits in rows}


def test_the_table_lists_every_registered_compressor():
    names = {spec.split(":")[0].split("+")[0] for spec in _table()}
    assert names == set(gs.compress.COMPRESSORS.names())


@pytest.mark.parametrize(("spec", "bits"), sorted(_table().items()))
def test_the_tables_bits_are_the_payloads(spec, bits):
    compressor = gs.compress.create(spec)
    state = compressor.init(X.shape, seed=0)
    batch, _ = compressor.encode(X, state, [np.random.default_rng(0)])
    assert int(batch.nbits[0]) == bits
    assert len(batch.rows()[0]) == -(-bits // 8)  # the bytes hold exactly those bits, padded


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("identity:precision=32", X.astype(np.float32)),
        ("topk:k=3", np.where(np.abs(X) >= 6, X, 0).astype(np.float32)),
        ("sign", np.float32(np.abs(X).mean()) * np.sign(X)),
        ("qsgd:s=16", None),
    ],
)
def test_the_receivers_value_is_what_the_fields_hold(spec, expected):
    compressor = gs.compress.create(spec)
    state = compressor.init(X.shape, seed=0)
    batch, _ = compressor.encode(X, state, [np.random.default_rng(0)])
    decoded = compressor.decode(batch, state)[0]
    if expected is None:  # qsgd: float32(norm) * level / s, levels integers in 0..s
        norm = np.float64(np.float32(np.linalg.norm(X)))
        levels = np.abs(decoded) * 16 / norm
        assert np.allclose(levels, np.round(levels), atol=1e-9)
        assert np.all(np.sign(decoded[decoded != 0]) == np.sign(X[decoded != 0]))
    elif spec.startswith("topk"):  # -9, -6 and one of the two 5s (a tie)
        kept = decoded != 0
        assert kept.sum() == 3 and np.array_equal(decoded[kept], X[kept])
        assert np.array_equal(decoded[np.abs(X) > 5], expected[np.abs(X) > 5])
    else:
        assert np.array_equal(decoded, expected.astype(np.float64))
