"""How `RedcapClient.download_file` compares with a bare `requests` streaming loop on a large file.

Run: `.venv/bin/python benchmarks/bench_client_download.py [--mib 1024]`

A local HTTP server on 127.0.0.1 streams the file, REDCap-style (`Content-Type: ...; name="..."`).
For each contender the script prints the wall time, the throughput and the peak of Python memory
(tracemalloc), and the ratio to the baseline measured in the same process, so that machines of different
speeds give comparable numbers. The claim to check is that the client's memory stays flat: about one
1 MiB chunk, whatever the file size. Nothing is asserted on timings.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import shutil
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import requests

from redcap_file_client import RedcapClient

CHUNK = 1 << 20
TOKEN = "0123456789ABCDEF0123456789ABCDEF"


def pattern_chunk() -> bytes:
    """1 MiB of non-repeating-looking bytes (so nothing along the way can cheat by compressing)."""
    seed = hashlib.sha256(b"redcap").digest()
    out = bytearray()
    while len(out) < CHUNK:
        seed = hashlib.sha256(seed).digest()
        out += seed
    return bytes(out[:CHUNK])


def serve(size: int) -> tuple[http.server.ThreadingHTTPServer, str]:
    chunk = pattern_chunk()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.send_response(200)
            self.send_header("Content-Type", 'application/octet-stream; name="big.bin"')
            self.send_header("Content-Length", str(size))
            self.end_headers()
            left = size
            while left:
                piece = chunk[: min(left, CHUNK)]
                self.wfile.write(piece)
                left -= len(piece)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/api/"


def expected_sha256(size: int) -> str:
    chunk, digest, left = pattern_chunk(), hashlib.sha256(), size
    while left:
        piece = chunk[: min(left, CHUNK)]
        digest.update(piece)
        left -= len(piece)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while piece := handle.read(CHUNK):
            digest.update(piece)
    return digest.hexdigest()


def baseline(url: str, folder: Path) -> Path:
    """The least a streaming client can do: requests' iter_content straight into a file."""
    target = folder / "baseline.bin"
    data = {"token": TOKEN, "content": "file", "action": "export", "record": "1", "field": "f"}
    with requests.post(url, data=data, stream=True, timeout=30) as resp, target.open("wb") as handle:
        resp.raise_for_status()
        for piece in resp.iter_content(CHUNK):
            handle.write(piece)
    return target


def client_download(url: str, folder: Path) -> Path:
    with RedcapClient(url, TOKEN, retries=0) as client:
        return client.download_file("1", "f", folder, overwrite=True)


def measure(run: Callable[[str, Path], Path], url: str, folder: Path) -> tuple[float, int, Path]:
    tracemalloc.start()
    started = time.perf_counter()
    path = run(url, folder)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak, path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mib", type=int, default=1024, help="file size in MiB (default 1024 = 1 GiB)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best time counts")
    args = parser.parse_args()
    size = args.mib * CHUNK
    server, url = serve(size)
    folder = Path(tempfile.mkdtemp(prefix="bench-client-"))
    try:
        want = expected_sha256(size)
        rows = []
        for name, run in (
            ("baseline: requests iter_content", baseline),
            ("RedcapClient.download_file", client_download),
        ):
            elapsed, peak, path = measure(run, url, folder)
            ok = file_sha256(path) == want
            rows.append((name, elapsed, peak, ok))
            path.unlink()
        base_time, base_peak = rows[0][1], rows[0][2]
        print(f"file size: {size / CHUNK:.0f} MiB, chunk: {CHUNK // 1024} KiB, best of {args.rounds} rounds")
        print(
            f"{'contender':34} {'seconds':>8} {'MiB/s':>8} {'peak MiB':>9} {'time ×':>7} {'mem ×':>7}  sha256"
        )
        for name, elapsed, peak, ok in rows:
            print(
                f"{name:34} {elapsed:8.2f} {size / CHUNK / elapsed:8.1f} {peak / CHUNK:9.2f} "
                f"{elapsed / base_time:7.2f} {peak / max(base_peak, 1):7.2f}  {'ok' if ok else 'MISMATCH'}"
            )
        print(f"peak memory of the client as a share of the file: {rows[1][2] / size:.5%}")
        return 0 if all(ok for *_rest, ok in rows) else 1
    finally:
        server.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
