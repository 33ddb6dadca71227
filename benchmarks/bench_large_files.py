"""Large files: a 1 GiB Export File into `RedcapClient.download_file`, and a 1 GiB Import File.

The fake runs in its own process (`--serve` mode of this script), which also offers the same file from a
plain static route on the same server. The baseline is the same client's `download_file` from that static
route; plain `requests` streaming and `curl` fetch it too, for scale. Targets:
throughput at least 0.8 of the static route's; peak memory growth of the server and of the client under
64 MiB (VmHWM from /proc, each client run in a fresh process).

Run: `.venv/bin/python benchmarks/bench_large_files.py [--mib 1024]`
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from common import TOKEN, machine, median, peak_rss_mib, row, rss_mib, target, write_fixture

HERE = Path(__file__).resolve().parent
CHUNK = 1 << 20


def make_file(path: Path, mib: int) -> str:
    """A file of `mib` MiB of varied bytes; returns its sha256."""
    digest = hashlib.sha256()
    block = hashlib.sha256(b"seed").digest() * (CHUNK // 32)
    with path.open("wb") as out:
        for i in range(mib):
            piece = i.to_bytes(8, "big") + block[8:]
            out.write(piece)
            digest.update(piece)
    return digest.hexdigest()


def serve(fixture: str, big: str) -> None:
    """The server process: the fake plus a static route for the same file, on one cheroot server.

    The static route is a plain WSGI app in front of the fake's (a Flask route would sit behind the
    control plane's guard, which refuses form posts to any path but /api/); it streams the file in
    256 KiB pieces without a Content-Length, so cheroot sends it chunked, as the fake's Export File."""
    from fake_redcap import FakeServer, FakeState

    server = FakeServer(FakeState([fixture], max_upload_mb=4096))
    fake_app = server.app.wsgi_app

    def chunks() -> Iterator[bytes]:
        with open(big, "rb") as handle:
            while data := handle.read(256 * 1024):
                yield data

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/static":
            return fake_app(environ, start_response)  # type: ignore[no-any-return]
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return chunks()

    server.app.wsgi_app = app  # type: ignore[method-assign]
    server.start()
    print(server.base_url, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    server.stop()


CLIENT_DOWNLOAD = """
import sys, hashlib, time
sys.path.insert(0, {here!r})
from common import peak_rss_mib, rss_mib
from redcap_file_client import RedcapClient
start = rss_mib()
client = RedcapClient({url!r}, {token!r}, timeout=120)
began = time.perf_counter()
path = client.download_file("1", "scan", {dest!r}, overwrite=True)
elapsed = time.perf_counter() - began
print(elapsed, peak_rss_mib() - start)
"""

CLIENT_STATIC = """
import sys, time, requests
sys.path.insert(0, {here!r})
from common import peak_rss_mib, rss_mib
start = rss_mib()
began = time.perf_counter()
with requests.post({url!r}, stream=True, timeout=120) as response, open({dest!r}, "wb") as out:
    for chunk in response.iter_content(1 << 20):
        out.write(chunk)
print(time.perf_counter() - began, peak_rss_mib() - start)
"""

CLIENT_IMPORT = """
import sys, time
sys.path.insert(0, {here!r})
from common import peak_rss_mib, rss_mib
from redcap_file_client import RedcapClient
start = rss_mib()
client = RedcapClient({url!r}, {token!r}, timeout=300)
began = time.perf_counter()
client.import_file("1", "doc", {src!r}, filename="big-upload.bin")
print(time.perf_counter() - began, peak_rss_mib() - start)
"""


def run_client(template: str, **values: str) -> tuple[float, float]:
    code = template.format(here=str(HERE), **values)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    elapsed, growth = out.split()
    return float(elapsed), float(growth)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while data := handle.read(CHUNK):
            digest.update(data)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved static/fake downloads")
    parser.add_argument("--serve", nargs=2, metavar=("FIXTURE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-large-"))
    try:
        _measure(folder, args.mib, args.rounds)
    finally:  # also when a client fails: no 1 GiB folder left behind
        shutil.rmtree(folder, ignore_errors=True)
        os.sync()


def _measure(folder: Path, size_mib: int, rounds: int) -> None:
    big = folder / "big.bin"
    expected = make_file(big, size_mib)
    fixture = write_fixture(folder, [{"record": "1", "files": {"scan": {"path": "big.bin"}}}])
    print(f"Large files ({size_mib} MiB, {rounds} interleaved rounds, medians) on {machine()}")
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__)), "--serve", str(fixture), str(big)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=HERE,
    )
    statics: list[float] = []
    fakes: list[float] = []
    try:
        assert server.stdout is not None
        base = server.stdout.readline().strip()
        server_start = rss_mib(server.pid)
        dest = folder / "out"
        dest.mkdir()
        static_url, static_dest = base + "/static", str(dest / "s.bin")
        requests_time, _ = run_client(CLIENT_STATIC, url=static_url, dest=static_dest)
        started = time.perf_counter()
        subprocess.run(["curl", "-s", "-X", "POST", "-o", str(dest / "c.bin"), base + "/static"], check=True)
        curl_time = time.perf_counter() - started
        client_growth = 0.0
        for _ in range(rounds):  # interleaved, so that load on the machine hits both alike
            # The baseline: the same client, downloading the same file from the static route.
            seconds, _ = run_client(CLIENT_DOWNLOAD, url=static_url, token=TOKEN, dest=str(dest / "b.bin"))
            statics.append(seconds)
            seconds, growth = run_client(
                CLIENT_DOWNLOAD, url=base + "/api/", token=TOKEN, dest=str(dest / "f.bin")
            )
            fakes.append(seconds)
            client_growth = max(client_growth, growth)
            if sha256(dest / "f.bin") != expected:
                raise SystemExit("the downloaded file differs from the stored one")
        import_time, import_growth = run_client(CLIENT_IMPORT, url=base + "/api/", token=TOKEN, src=str(big))
        server_growth = peak_rss_mib(server.pid) - server_start
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=30)

    def rate(seconds: float) -> str:
        return f"{size_mib / seconds:,.0f} MiB/s ({seconds:.2f} s)"

    static_time, fake_time = median(statics), median(fakes)
    row("static route -> download_file (baseline)", rate(static_time))
    row("static route, plain requests streaming", rate(requests_time), static_time / requests_time)
    row("static route, curl", rate(curl_time), static_time / curl_time)
    row("Export File -> download_file", rate(fake_time), static_time / fake_time, "target >= 0.90")
    shown = ", ".join(f"{s / f:.2f}" for s, f in zip(statics, fakes, strict=True))
    row("  each round's ratio", shown)
    row("Import File <- import_file", rate(import_time), static_time / import_time, "target >= 0.80")
    row("client peak memory growth, download", f"{client_growth:.1f} MiB", None, "target < 64 MiB")
    row("client peak memory growth, import", f"{import_growth:.1f} MiB", None, "target < 64 MiB")
    row("server peak memory growth, all of the above", f"{server_growth:.1f} MiB", None, "target < 64 MiB")
    print(json.dumps({"sha256_match": True}))
    target("1 GiB Export File vs the chunked static route", static_time / fake_time, ">=", 0.9)


if __name__ == "__main__":
    main()
