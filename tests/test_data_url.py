"""Dataset URLs, as the README's GPU quick start reads DSR-sub: a parquet in the authors' verl layout served
over HTTP from 127.0.0.1, loaded through ``load_problems`` and ``oneshot examples show --dataset URL`` with
only the declared dependencies (no aiohttp), and a server that fails mid-download (#26)."""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from datasets import Dataset

from oneshot_trl import data
from oneshot_trl.data import load_problems
from oneshot_trl.errors import OneShotError
from oneshot_trl.prompts import TRAIN_SUFFIX

from conftest import run_cli

PROBLEMS = [
    ("What is 1+1?", "2"),
    ("A gas at 3 atm is halved in volume; the pressure?", "6"),
    ("2^10?", "1024"),
]


def _verl_parquet(path) -> bytes:
    """Rows as the authors' dsr_sub.parquet lays them out for verl.

    A chat prompt with the training suffix, reward_model.ground_truth, extra_info.index."""
    rows = [
        {
            "data_source": "deepscaler",
            "prompt": [{"role": "user", "content": problem + TRAIN_SUFFIX}],
            "ability": "math",
            "reward_model": {"style": "rule", "ground_truth": answer},
            "extra_info": {"index": i, "split": "train"},
        }
        for i, (problem, answer) in enumerate(PROBLEMS)
    ]
    Dataset.from_list(rows).to_parquet(str(path))
    return path.read_bytes()


class _Handler(BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.requests.append(self.path)
        body = self.files.get(self.path.split("?")[0])
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path.startswith("/broken/"):
            # Promise the whole file, send half, close: the connection drops mid-download.
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):  # quiet test output
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """An HTTP server on 127.0.0.1 (ephemeral port) with the verl parquet at /data/dsr_sub.parquet, the same
    bytes at /broken/dsr_sub.parquet (cut off mid-way), and a non-parquet at /html/dsr_sub.parquet."""
    parquet = _verl_parquet(tmp_path / "source.parquet")
    handler = type("Handler", (_Handler,), {"files": {}, "requests": []})
    handler.files.update(
        {
            "/data/dsr_sub.parquet": parquet,
            "/broken/dsr_sub.parquet": parquet,
            "/html/dsr_sub.parquet": b"<html>rate limited</html>",
        }
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(data, "DOWNLOADS", tmp_path / "downloads")
    # The URL path must not need aiohttp (datasets 5 no longer installs it): make importing it fail.
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", handler.requests, tmp_path / "downloads"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_url_in_verl_layout_loads_once_then_from_the_cache(server):
    base, requests, cache = server
    url = f"{base}/data/dsr_sub.parquet"
    ds = load_problems(url)
    assert ds["problem"] == [p for p, _ in PROBLEMS] and ds["answer"] == [a for _, a in PROBLEMS]
    assert ds["index"] == [0, 1, 2] and ds["source_index"] == [0, 1, 2]
    assert requests == ["/data/dsr_sub.parquet"]
    (kept,) = cache.iterdir()
    assert kept.name.endswith("-dsr_sub.parquet")
    assert load_problems(url)["answer"] == ds["answer"]
    assert requests == ["/data/dsr_sub.parquet"], "the second load downloaded again"


def test_examples_show_reads_a_url(server, capsys):
    base, _, _ = server
    code, out, err = run_cli(["examples", "show", "1", "--dataset", f"{base}/data/dsr_sub.parquet"], capsys)
    assert code == 0, err
    assert "pressure?" in out and "answer  6" in out and TRAIN_SUFFIX.strip() in out


@pytest.mark.parametrize(
    "path, message",
    [
        ("/broken/dsr_sub.parquet", "could not download {url} (the connection broke off mid-download"),
        ("/missing/dsr_sub.parquet", "could not download {url} (HTTP 404 Not Found)"),
        ("/html/dsr_sub.parquet", "{url}: not a readable parquet file"),
    ],
)
def test_failed_download_is_one_line_and_leaves_nothing_in_the_cache(server, capsys, path, message):
    base, requests, cache = server
    url = base + path
    message = message.format(url=url)
    with pytest.raises(OneShotError) as error:
        load_problems(url)
    assert message in str(error.value)
    assert not cache.exists() or list(cache.iterdir()) == []  # no partial file, no bad file kept
    code, _, err = run_cli(["examples", "show", "1", "--dataset", url], capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err
    assert "--dataset path/to/dsr_sub.parquet" in lines[0] or "parquet file" in lines[0]
    assert not cache.exists() or list(cache.iterdir()) == []
    assert requests == [path, path]  # the second try downloaded again: nothing was cached


def test_a_url_must_name_a_data_file():
    with pytest.raises(OneShotError, match=r"names a \.jsonl, \.json or \.parquet file"):
        load_problems("http://127.0.0.1:9/data/problems.csv")


def test_no_server_is_one_line_naming_the_host(tmp_path, monkeypatch):
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(data, "DOWNLOADS", tmp_path / "downloads")
    with pytest.raises(OneShotError, match=rf"cannot reach 127\.0\.0\.1:{port}: offline\?\); retry"):
        load_problems(f"http://127.0.0.1:{port}/dsr_sub.parquet")
    assert list((tmp_path / "downloads").iterdir()) == []
