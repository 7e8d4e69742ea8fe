"""Found in use: vl-convert holds Python's interpreter lock for the whole of a drawing, so while the server
drew the home and statistics pages' charts ahead of their readers, every request waited for the drawings
(the access benchmark's requests timed out after 5 s). Charts are now drawn in a process of their own
(credence.web.drawing): the server's other threads run meanwhile."""

from __future__ import annotations

import json
import threading
import time

from credence.web import charts


def spec(n: int) -> str:
    """A bar chart of many labels, distinct per n (so never drawn from the cache)."""
    values = [{"label": f"organisation {n}-{i}", "records": (i * 37 + n) % 101} for i in range(60)]
    return json.dumps(
        {
            "data": {"values": values},
            "mark": "bar",
            "encoding": {
                "y": {"field": "label", "type": "nominal"},
                "x": {"field": "records", "type": "quantitative"},
            },
        }
    )


def test_other_threads_run_while_charts_are_drawn() -> None:
    charts._draw.cache_clear()
    charts._draw(spec(0), "en-US")  # the renderer started and its fonts registered
    done = threading.Event()
    drawn: list[str] = []

    def draw() -> None:
        drawn.extend(charts._draw(spec(n), "zh-CN") for n in range(1, 5))
        done.set()

    drawer = threading.Thread(target=draw)
    turns = 0
    drawer.start()
    while not done.is_set():
        time.sleep(0.001)
        turns += 1
    drawer.join()
    assert len(drawn) == 4 and all(svg.startswith("<svg") for svg in drawn)
    # Holding the lock, the drawings let this thread run about once each; drawn aside, every millisecond.
    assert turns >= 50, turns
