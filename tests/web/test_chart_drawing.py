"""Found in use: vl-convert holds Python's interpreter lock for the whole of a drawing, so while the server
drew the home and statistics pages' charts ahead of their readers, every request waited for the drawings
(the access benchmark's requests timed out after 5 s). Charts are now drawn in a process of their own
(credence.web.drawing, `python -m credence.web.drawing` over a pipe): the server's other threads run
meanwhile."""

from __future__ import annotations

import json
import threading
import time

import pytest

from credence.web import charts, drawing


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


def test_a_refused_specification_says_why_and_the_next_drawing_works() -> None:
    with pytest.raises(drawing.DrawingError, match="Vega-Lite to SVG conversion failed"):
        drawing.draw(json.dumps({"mark": "no such mark"}), "en-US", ())
    assert drawing.draw(spec(90), "en-US", ()).startswith("<svg")


def test_a_renderer_that_stopped_is_started_again() -> None:
    drawing.draw(spec(91), "en-US", ())
    process = drawing._renderer.process
    assert process is not None
    process.kill()
    process.wait()
    assert drawing.draw(spec(92), "en-US", ()).startswith("<svg")
    assert drawing._renderer.process is not process
