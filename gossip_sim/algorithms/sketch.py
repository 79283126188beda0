"""Song et al.'s compression pair F / F̃ on a problem's parameter layout (their eq. 7).

Every *wide* block (a ``rows × cols`` matrix G of the gradient) is compressed to B̃ G, with a
Gaussian B̃ ∈ R^{H×rows} (entries N(0, 1/H)) that every agent draws from the run's shared seed,
so B̃ never travels; F̃ returns B̃ᵀ y. *Plain* blocks travel as they are, *frozen* ones not at
all (F = 0). For least squares the whole θ is one wide block (``cols = 1``): F(x) = Bx,
F̃(y) = Bᵀy, Song et al. Theorem 4.2; for the pyramidal network only the second layer is.

Examples
--------
>>> blocks = (gs.problems.Block("theta", rows=50, cols=1, role="wide"),)
>>> sketch = Sketch.draw(blocks, h=8, seed=0)
>>> g = np.ones((3, 50))
>>> sketch.compress(g).shape, sketch.decompress(sketch.compress(g)).shape
((3, 8), (3, 50))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gossip_sim._typing import Stack
from gossip_sim.compress.linear import gaussian_sketch
from gossip_sim.errors import ConfigError
from gossip_sim.problems.base import Block

__all__ = ["Sketch"]


@dataclass(frozen=True)
class Sketch:
    """F and F̃ for a layout ``blocks``; ``matrices[i]`` is B̃ of block i (None if not wide)."""

    blocks: tuple[Block, ...]
    h: int
    matrices: tuple[Stack | None, ...]

    @classmethod
    def draw(cls, blocks: tuple[Block, ...], h: int | None, seed: int) -> Sketch:
        """Draw B̃ for every wide block from the shared ``seed`` (block i uses seed + i).

        ``h=None`` is no sketch: wide blocks travel as they are (F = F̃ = identity).
        """
        if h is None:
            plain = tuple(
                Block(b.name, b.rows, b.cols, "plain", b.start) if b.role == "wide" else b
                for b in blocks
            )
            return cls(plain, 0, (None,) * len(plain))
        if isinstance(h, bool) or not isinstance(h, int) or h < 1:
            raise ConfigError(f"h={h!r} is not valid; give the sketch rows H as an integer >= 1")
        matrices = tuple(
            gaussian_sketch(h, block.rows, seed + i) if block.role == "wide" else None
            for i, block in enumerate(blocks)
        )
        return cls(tuple(blocks), h, matrices)

    @property
    def dim(self) -> int:
        """D, the length of the parameter vector."""
        return self.blocks[-1].stop

    @property
    def size(self) -> int:
        """The length of F(x): H·cols per wide block plus the plain blocks' sizes."""
        return sum(self._out_size(b) for b in self.blocks)

    def _out_size(self, block: Block) -> int:
        return {"wide": self.h * block.cols, "plain": block.size, "frozen": 0}[block.role]

    def compress(self, g: Stack) -> Stack:
        """Return F(g) for every row of ``g`` (shape ``(K, size)``)."""
        k = g.shape[0]
        parts = []
        for block, matrix in zip(self.blocks, self.matrices, strict=True):
            piece = g[:, block.start : block.stop]
            if block.role == "wide":
                assert matrix is not None
                grid = piece.reshape(k, block.rows, block.cols)
                parts.append(np.einsum("hr,krc->khc", matrix, grid).reshape(k, -1))
            elif block.role == "plain":
                parts.append(piece)
        return np.concatenate(parts, axis=1) if parts else np.zeros((k, 0))

    def decompress(self, y: Stack) -> Stack:
        """Return F̃(y) for every row of ``y`` (shape ``(K, D)``; zero on frozen blocks)."""
        k = y.shape[0]
        out = np.zeros((k, self.dim))
        at = 0
        for block, matrix in zip(self.blocks, self.matrices, strict=True):
            size = self._out_size(block)
            piece = y[:, at : at + size]
            at += size
            if block.role == "wide":
                assert matrix is not None
                small = piece.reshape(k, self.h, block.cols)
                out[:, block.start : block.stop] = np.einsum("hr,khc->krc", matrix, small).reshape(
                    k, -1
                )
            elif block.role == "plain":
                out[:, block.start : block.stop] = piece
        return out

    def z_spectrum(self, features: Stack) -> tuple[float, float]:
        """Return σ_max and σ_min of Z = A BᵀB Aᵀ for a one-block linear model (Prop. 1).

        Examples
        --------
        >>> blocks = (gs.problems.Block("theta", rows=40, cols=1, role="wide"),)
        >>> A = np.random.default_rng(0).normal(size=(5, 40))
        >>> hi, lo = Sketch.draw(blocks, h=20, seed=0).z_spectrum(A)
        >>> bool(hi >= lo > 0)
        True
        """
        (matrix,) = self.matrices
        ab = features if matrix is None else features @ matrix.T  # A Bᵀ, N × H
        eigenvalues = np.linalg.eigvalsh(ab @ ab.T)
        return float(eigenvalues[-1]), float(eigenvalues[0])

    def gain(self) -> float:
        """Return the largest ‖B̃‖₂² over the wide blocks (1 if there are none)."""
        norms = [float(np.linalg.norm(m, 2)) ** 2 for m in self.matrices if m is not None]
        return float(max([1.0, *norms]))
