"""How a teaching demo becomes files: a GIF, a self-contained HTML player and a final PNG.

A demo draws onto one matplotlib figure with a function ``draw(frame)``; :func:`save` renders
each frame once and writes ``NAME.gif`` (the frames, through Pillow), ``NAME.png`` (the last
frame) and ``NAME.html``: the frames replayed through
:meth:`~matplotlib.animation.Animation.to_jshtml`, matplotlib's player with its frames embedded
(as JPEG, a fifth of PNG's size) and its script inline, so it fetches nothing. The files are
the same for the same frames: the player's random element ids become a digest of its content.

A demo that names the artists its frames change (``animated``) has only those redrawn over a
saved background each frame (blitting), several times faster than drawing every axis again.

Examples
--------
>>> import tempfile, matplotlib.pyplot as plt
>>> fig, ax = plt.subplots(figsize=(2, 2))
>>> out = save(Animation(fig, lambda i: ax.set_title(str(i)), frames=3), tempfile.mkdtemp(), "t")
>>> out.frames, [p.suffix for p in (out.gif, out.html, out.png)]
(3, ['.gif', '.html', '.png'])
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["MAX_FRAMES", "Animation", "DemoOutput", "frame_count", "save"]

#: The most frames a demo draws (its files stay at a few MB).
MAX_FRAMES = 120


def frame_count(frames: int) -> int:
    """Return ``frames`` if it is a valid frame count (2 .. MAX_FRAMES), else refuse it.

    Examples
    --------
    >>> frame_count(40)
    40
    """
    from gossip_sim.errors import ConfigError

    if isinstance(frames, bool) or not isinstance(frames, int) or not 2 <= frames <= MAX_FRAMES:
        raise ConfigError(
            f"frames = {frames!r} is not valid; give an integer from 2 to {MAX_FRAMES}"
        )
    return frames


@dataclass
class Animation:
    """A figure and the function that draws its frame ``i`` (0 .. frames - 1)."""

    fig: Any
    draw: Callable[[int], Any]  # returns True when the frame changed more than ``animated``
    frames: int
    fps: int = 8
    facts: dict[str, Any] = field(default_factory=dict)  # numbers the demo found
    animated: list[Any] = field(default_factory=list)  # the artists the frames change
    background: Any = field(default=None, repr=False)  # the still parts, saved once


@dataclass
class DemoOutput:
    """The files a demo wrote, and what it found; in a notebook it shows as the player."""

    name: str
    gif: Path
    html: Path
    png: Path
    frames: int
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def files(self) -> list[Path]:
        """The GIF, the HTML player and the PNG."""
        return [self.gif, self.html, self.png]

    def facts_text(self) -> str:
        """Return the facts as a person reads them, one per line (``facts`` keeps full precision).

        A value per series is one line; past six series it shows the first three and the
        last two.
        """
        from gossip_sim.quantities import format_quantity

        lines = []
        for key, value in self.facts.items():
            if isinstance(value, dict) and len(value) > 6:  # a line, not a page
                items = list(value.items())
                shown = [format_quantity(key, dict(items[:3])), f"... ({len(items) - 5} more)"]
                value_text = ", ".join([*shown, format_quantity(key, dict(items[-2:]))])
            else:
                value_text = format_quantity(key, value)
            label = "simulated time" if key == "time_s" else key.removesuffix("_s")
            lines.append(f"  {label.replace('_', ' '):<22}{value_text}")
        return "\n".join(lines)

    def __str__(self) -> str:
        """Return the demo's name, its files and its facts as :meth:`facts_text` writes them."""
        files = ", ".join(p.name for p in self.files)
        return f"demo {self.name}: {self.frames} frames, {files}\n{self.facts_text()}"

    def _repr_html_(self) -> str:  # Jupyter shows the animation inline
        return self.html.read_text()


#: matplotlib's player draws its buttons with Font Awesome from a CDN: a network fetch. The
#: stylesheet link is dropped and each icon becomes a character every font has.
_ICONS = {
    "fa fa-fast-backward": "&#x23EE;",
    "fa fa-step-backward": "&#x25C0;&#x2502;",
    "fa fa-play fa-flip-horizontal": "&#x25C0;",
    "fa fa-pause": "&#x23F8;",
    "fa fa-play": "&#x25B6;",
    "fa fa-step-forward": "&#x2502;&#x25B6;",
    "fa fa-fast-forward": "&#x23ED;",
    "fa fa-minus": "&#x2212;",
    "fa fa-plus": "+",
}


def _offline(html: str) -> str:
    """Return the player with no external stylesheet: its icons as plain characters."""
    html = re.sub(r"<link[^>]*font-awesome[^>]*>", "", html)
    for icon, glyph in _ICONS.items():
        html = html.replace(f'<i class="{icon}"></i>', glyph)
    return html


def _deterministic(html: str) -> str:
    """Replace the player's random element ids by ids derived from its content."""
    ids = sorted(set(re.findall(r"[0-9a-f]{32}", html)))
    digest = hashlib.sha256(re.sub(r"[0-9a-f]{32}", "", html).encode()).hexdigest()
    for n, uid in enumerate(ids):
        html = html.replace(uid, f"{digest[:24]}{n:08x}")
    return html


def _render(animation: Animation, frame: int) -> Any:
    """Draw one frame and return its pixels: only the animated artists, where that is enough."""
    from PIL import Image

    fig, canvas = animation.fig, animation.fig.canvas
    for artist in animation.animated:
        artist.set_animated(True)
    if frame == 0:
        canvas.draw()  # everything that does not move, once
        animation.background = canvas.copy_from_bbox(fig.bbox)
    everything = animation.draw(frame) is True or not animation.animated
    if everything:  # this frame changed more than the animated artists: draw it all
        for artist in animation.animated:
            artist.set_animated(False)
        canvas.draw()
    else:
        canvas.restore_region(animation.background)
        for artist in animation.animated:
            fig.draw_artist(artist)
    return Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")


def _player(images: list[Any], fps: int) -> str:
    """Return ``to_jshtml``'s player of the rendered frames (replayed as one image each)."""
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    width, height = images[0].size
    screen = plt.figure(figsize=(width / 72, height / 72), dpi=72)
    ax = screen.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    shown = ax.imshow(np.asarray(images[0]), interpolation="none")
    replay = FuncAnimation(
        screen, lambda i: shown.set_data(np.asarray(images[i])), frames=len(images), repeat=False
    )
    with plt.rc_context({"animation.frame_format": "jpeg", "savefig.dpi": 72}):
        html = replay.to_jshtml(fps=fps, default_mode="once")
    plt.close(screen)
    return _deterministic(_offline(html))


def save(animation: Animation, out: str | Path, name: str, dpi: int = 72) -> DemoOutput:
    """Play ``animation`` into ``out``: ``NAME.gif``, ``NAME.html`` and ``NAME.png``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    gif, page, png = (directory / f"{name}.{ext}" for ext in ("gif", "html", "png"))
    fig = animation.fig
    fig.set_dpi(dpi)
    animation.draw(0)
    fig.canvas.draw()  # lay the figure out once
    fig.set_layout_engine("none")  # and keep that layout for every frame
    images = [_render(animation, frame) for frame in range(animation.frames)]
    plt.close(fig)
    html = _player(images, animation.fps)
    page.write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>gossip-sim demo: {name}</title></head><body>\n{html}\n"
        "</body></html>\n"
    )
    first, *rest = images
    first.save(gif, save_all=True, append_images=rest, duration=round(1000 / animation.fps), loop=0)
    images[-1].save(png)
    return DemoOutput(name, gif, page, png, animation.frames, dict(animation.facts))
