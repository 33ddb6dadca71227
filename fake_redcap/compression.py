"""HTTP compression of API answers, as REDCap switches on PHP's `zlib.output_compression`.

Sources (behaviour restated, no REDCap code):
* V15 `Classes/System.php`:1544-1567 `enableGzipCompression` (the same in V7.1.2 :780-800, V10.0.13,
  V13.6.1, V14.5.11): when the system setting `enable_http_compression` is on (install_data.sql:349
  default '1'), every API request except `$_POST['content'] == 'file'` sets
  `zlib.output_compression = 4096`, level -1, and GZIP_ENABLED.
* V15 System.php:398-411 `addHeaderRandomText`: with GZIP_ENABLED, a header `REDCap-Random-Text` of 1-64
  characters from generateRandomHash's alphabet (init_functions.php:3374-3398), against BREACH. Not in
  V7.1.2 (no addHeaderRandomText), so from 10.0.0.
* php-src ext/zlib/zlib.c `php_zlib_output_encoding`: the output is compressed only when the request's
  Accept-Encoding contains `gzip` (else `deflate`), a case-sensitive substring test; then
  `Content-Encoding: gzip|deflate` and `Vary: Accept-Encoding` are added (observed with php-cli 8.2:
  an empty answer still becomes a 20-byte gzip stream; without a match, neither header). PHP sends no
  Content-Length for the compressed output; the fake sends it chunked.
* GZIP_ENABLED is `ini_get('zlib.output_compression')`, so the random header comes whether or not the
  client accepts gzip.
"""

from __future__ import annotations

import re
import secrets
import zlib
from collections.abc import Iterable, Iterator

from fake_redcap.responses import Reply

# generateRandomHash's default alphabet: letters without `l` and `O`, digits without 0 and 1.
RANDOM_TEXT_CHARS = "abcdefghijkmnopqrstuvwxyzABCDEFGHIJKLMNPQRSTUVWXYZ23456789"
RANDOM_TEXT_HEADER = "REDCap-Random-Text"
_SCIENTIFIC = re.compile(r"\d+E\d")
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}  # gzip wrapper / zlib wrapper


def random_text() -> str:
    """generateRandomHash(random_int(1, 64)): drawn again when it reads as a number like `12E3`."""
    length = 1 + secrets.randbelow(64)
    while True:
        text = "".join(secrets.choice(RANDOM_TEXT_CHARS) for _ in range(length))
        if not _SCIENTIFIC.match(text):
            return text


def output_coding(accept_encoding: str) -> str | None:
    """PHP's choice: `gzip` if the header contains it, else `deflate`, else no compression."""
    if "gzip" in accept_encoding:
        return "gzip"
    if "deflate" in accept_encoding:
        return "deflate"
    return None


def compress(reply: Reply, coding: str) -> Reply:
    """The reply's body compressed as zlib.output_compression does (level -1, memLevel 9)."""
    wbits = _WBITS[coding]
    if isinstance(reply.body, bytes):
        packer = zlib.compressobj(-1, zlib.DEFLATED, wbits, 9)
        reply.body = packer.compress(reply.body) + packer.flush()
        reply.size = len(reply.body)
    else:
        reply.body = _compressed_stream(reply.body, wbits)
        reply.size = None
    reply.encoding = coding
    reply.streamed = True  # no Content-Length, as PHP's compressed output has none
    return reply


def _compressed_stream(chunks: Iterable[bytes], wbits: int) -> Iterator[bytes]:
    packer = zlib.compressobj(-1, zlib.DEFLATED, wbits, 9)
    try:
        for chunk in chunks:
            if out := packer.compress(chunk):
                yield out
        yield packer.flush()
    finally:
        closing = getattr(chunks, "close", None)
        if closing is not None:
            closing()
