"""Open the report page in headless Chromium and check what a reader sees.

Chromium is driven over the DevTools protocol (a websocket on 127.0.0.1 only):
the test records console errors, uncaught exceptions and every network
request, checks that each figure decoded (naturalWidth > 0), and saves a
full-page screenshot.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websocket

from fipfit.report.config import parse_config
from fipfit.report.output import write_report
from fipfit.report.pipeline import run_pipeline

CHROMIUM = "/usr/bin/chromium"
#: Screenshot kept for people to look at after the test run.
SHARED_SCREENSHOT = Path("/tmp/fipfit-report.png")
TIMEOUT = 60.0

pytestmark = pytest.mark.browser

TINY = {
    "title": "Browser test: peak",
    "seed": 11,
    "features": ["x", "eta"],
    "input": {"model": "peak", "events": 20_000},
    "partitions": [
        {"name": "x", "kind": "column", "column": "x"},
        {"name": "regressor (quantile)", "kind": "regressor"},
        {"name": "classifier", "kind": "classifier"},
    ],
    "fit": {"toys": 50, "luminosity": 0.05},
    "scan": {"bins": [1, 4, 16]},
    "bootstrap": {"resamples": 20},
    "study": {"toys": 20, "bins": 8, "events": 6000},
    "regressor": {"max_iter": 40},
    "classifier": {"max_iter": 40},
}


class DevTools:
    """A minimal DevTools-protocol client for one page."""

    def __init__(self, url: str) -> None:
        self.socket = websocket.create_connection(url, timeout=TIMEOUT)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message_id = self.next_id
        self.socket.send(
            json.dumps({"id": message_id, "method": method, "params": params})
        )
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method} failed: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, method: str) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            message = json.loads(self.socket.recv())
            self.events.append(message)
            if message.get("method") == method:
                return message
        raise TimeoutError(f"no {method} event within {TIMEOUT} s")

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[DevTools]:
    """Start headless Chromium with a fresh profile and connect to its page."""
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if executable is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium")
    profile = tmp_path / "profile"
    profile.mkdir()
    process = subprocess.Popen(
        [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + TIMEOUT
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("Chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as reply:
            targets = json.load(reply)
        page = next(t for t in targets if t["type"] == "page")
        client = DevTools(page["webSocketDebuggerUrl"])
        yield client
        client.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("browser") / "report"
    outcome = run_pipeline(parse_config(TINY, origin="browser test"))
    write_report(outcome, folder)
    return folder


def test_report_page_renders(report: Path, chromium: DevTools, tmp_path: Path) -> None:
    for domain in ("Page", "Runtime", "Log", "Network"):
        chromium.call(f"{domain}.enable")
    chromium.call(
        "Emulation.setDeviceMetricsOverride",
        width=1280,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )
    chromium.call("Page.navigate", url=(report / "index.html").as_uri())
    chromium.wait_for("Page.loadEventFired")

    images = chromium.call(
        "Runtime.evaluate",
        expression="JSON.stringify(Array.from(document.images).map("
        "i => [i.alt, i.complete, i.naturalWidth]))",
        returnByValue=True,
    )["result"]["value"]
    states = json.loads(images)
    figures = json.loads((report / "summary.json").read_text())["figures"]
    assert len(states) == len(figures)
    not_loaded = [alt for alt, complete, width in states if not complete or width <= 0]
    assert not_loaded == []

    metrics = chromium.call("Page.getLayoutMetrics")
    height = int(metrics["cssContentSize"]["height"])
    chromium.call(
        "Emulation.setDeviceMetricsOverride",
        width=1280,
        height=height,
        deviceScaleFactor=1,
        mobile=False,
    )
    shot = chromium.call(
        "Page.captureScreenshot", format="png", captureBeyondViewport=True
    )
    png = base64.b64decode(shot["data"])
    (tmp_path / "report.png").write_bytes(png)
    SHARED_SCREENSHOT.write_bytes(png)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"

    errors = [
        event["params"]
        for event in chromium.events
        if event.get("method") == "Runtime.exceptionThrown"
        or (
            event.get("method") == "Runtime.consoleAPICalled"
            and event["params"]["type"] in ("error", "assert")
        )
        or (
            event.get("method") == "Log.entryAdded"
            and event["params"]["entry"]["level"] == "error"
        )
    ]
    assert errors == []
    requests = [
        event["params"]["request"]["url"]
        for event in chromium.events
        if event.get("method") == "Network.requestWillBeSent"
    ]
    remote = [url for url in requests if not url.startswith(("file:", "data:"))]
    assert remote == []
