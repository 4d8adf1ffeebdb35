"""Progress lines for long work: items done of a total, elapsed time and time left."""

from __future__ import annotations


def format_interval(seconds: float) -> str:
    """``seconds`` as ``MM:SS``, or ``H:MM:SS`` from an hour on."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:d}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def format_progress(what: str, done: int, total: int, elapsed: float, pace: float | None,
                    unit: str = "runs", failed: int = 0) -> str:
    """One progress line, e.g. ``ensemble progress: 120/400 seeds done (30%), elapsed 00:41,
    about 01:35 left``.

    Args:
        what: what progresses (``sweep``, ``ensemble``).
        done: items finished (failed ones included) of ``total``.
        elapsed: time since the start [s].
        pace: recent time per item [s]; with it, the time left is estimated.
        unit: the items' name (plural).
        failed: how many of ``done`` failed.
    """
    line = f"{what} progress: {done}/{total} {unit} done"
    if total:
        line += f" ({100 * done / total:.0f}%)"
    if failed:
        line += f", {failed} failed"
    line += f", elapsed {format_interval(elapsed)}"
    left = total - done
    if left > 0 and pace:
        line += f", about {format_interval(pace * left)} left"
    return line
