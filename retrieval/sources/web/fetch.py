"""The one place newsdesk fetches URLs: http(s) only, public addresses only, bounded.

``fetch_url`` refuses loopback, private, link-local and other non-public addresses on every
redirect hop (unless ``allow_private``), connects to the very address it checked (a name that
resolves differently a moment later cannot steer it elsewhere), and bounds the time, the hops
and the decoded size. Every failure raises ``FetchError`` whose message is the same generic
line, so what a user is told never tells a refused address from a closed or an open port;
``FetchError.reason`` says what happened, for the log.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import zlib
from dataclasses import dataclass, field
from typing import Collection, Mapping

import httpx

from newsdesk.errors import FetchError, UrlRefused

MAX_REDIRECTS = 5
DEFAULT_USER_AGENT = "newsdesk"
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
FETCH_FAILED = str(FetchError(""))  # the one line every failed fetch says

# IPv6 ranges that carry an IPv4 address in their last 32 bits: NAT64 and the old
# IPv4-compatible form (``::127.0.0.1``), which ``is_global`` alone lets through.
_IPV4_IN_LOW_BITS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))


@dataclass(frozen=True)
class Fetched:
    """A fetched response: the final URL, the status and headers, the decoded body."""

    url: str  # as asked
    final_url: str  # after redirects
    status: int  # a 2xx status, or 304 when a conditional request found nothing new
    headers: Mapping[str, str] = field(repr=False)  # response headers, names in lower case
    content_type: str  # the media type, lower case, without parameters ("" when not given)
    body: bytes = field(repr=False)  # content encoding (gzip, deflate) undone; empty for a 304
    encoding: str | None = None  # the charset the server declared, if any

    @property
    def text(self) -> str:
        """The body as text: the declared charset, else UTF-8; undecodable bytes replaced."""
        try:
            return self.body.decode(self.encoding or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            return self.body.decode("utf-8", errors="replace")


# ------------------------------------------------------------------ addresses


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64, compatible), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in network for network in _IPV4_IN_LOW_BITS):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``address`` is a global unicast address (not loopback, private, link-local,
    unique-local, shared, multicast, reserved or unspecified; IPv6 forms of IPv4 judged by
    the IPv4 address they carry)."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
    special = ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    return ip.is_global and not special


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (blocking; tests replace it)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


async def checked_address(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to for ``host``; refused unless every address it resolves to is
    public (or ``allow_private``). Checking all of them leaves no second, private answer."""
    try:
        addresses = await asyncio.to_thread(resolve, host, port)
    except (OSError, UnicodeError) as error:
        raise FetchError(f"cannot resolve {host}: {error}") from None
    if not addresses:
        raise FetchError(f"{host} has no address")
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
                raise UrlRefused(f"{host} resolves to the non-public address {address}")
    return addresses[0]


def check_url(url: str | httpx.URL) -> httpx.URL:
    """``url`` parsed, when it is an http(s) URL with a host; else ``UrlRefused``."""
    try:
        parsed = httpx.URL(str(url))
    except (httpx.InvalidURL, TypeError, ValueError) as error:
        raise UrlRefused(f"not a valid URL ({error})") from None
    if parsed.scheme not in ("http", "https"):
        raise UrlRefused(f"the scheme {parsed.scheme or '(none)'!r} is not http or https")
    if not parsed.raw_host:
        raise UrlRefused("the URL has no host")
    return parsed


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """The certificates httpx trusts (certifi's), loaded once: httpx would load them for every
    client, about 33 ms, most of a local fetch. One SSLContext may serve many connections."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


class _PinnedTransport(httpx.AsyncBaseTransport):
    """Sends each request to the address ``checked_address`` approved for its host, so the
    check and the connection see the same address (no DNS rebinding in between). The Host
    header and, for https, the TLS server name and certificate check keep the real host name."""

    def __init__(self, allow_private: bool):
        self.allow_private = allow_private
        # No keep-alive: a pooled TLS connection to one IP must not serve another host name.
        self._inner = httpx.AsyncHTTPTransport(verify=_tls_context(), trust_env=False,
                                               limits=httpx.Limits(max_keepalive_connections=0))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = check_url(request.url)
        host = url.raw_host.decode("ascii")
        address = await checked_address(host, url.port or (443 if url.scheme == "https" else 80), self.allow_private)
        extensions = dict(request.extensions)
        if url.scheme == "https":
            extensions["sni_hostname"] = host
        try:
            target = url.copy_with(host=address)
        except httpx.InvalidURL as error:  # e.g. an IPv6 address with a zone id
            raise FetchError(f"cannot connect to {address} ({error})") from None
        pinned = httpx.Request(request.method, target, headers=request.headers, stream=request.stream,
                               extensions=extensions)
        return await self._inner.handle_async_request(pinned)

    async def aclose(self) -> None:
        await self._inner.aclose()


# ------------------------------------------------------------------ bodies


def _decompressor(content_encoding: str):
    """A zlib decompressor for the response's content encoding; None for none."""
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip header, detected
    raise FetchError(f"unsupported content encoding {content_encoding!r}")


async def _read_body(response: httpx.Response, max_bytes: int) -> bytes:
    """The body with its content encoding undone, never holding more than ``max_bytes`` of it:
    decompression is asked for at most what is left, so a gzip bomb stops at the limit."""
    decompressor = _decompressor(response.headers.get("content-encoding", ""))
    body = bytearray()
    try:
        async for raw in response.aiter_raw():
            piece = decompressor.decompress(raw, max_bytes + 1 - len(body)) if decompressor else raw
            body += piece
            if len(body) > max_bytes or (decompressor and decompressor.unconsumed_tail):
                raise FetchError(f"the body is larger than {max_bytes} bytes")
        if decompressor:
            body += decompressor.flush()
    except zlib.error as error:
        raise FetchError(f"the compressed body is damaged ({error})") from None
    if len(body) > max_bytes:
        raise FetchError(f"the body is larger than {max_bytes} bytes")
    return bytes(body)


def _media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _declared_length(response: httpx.Response) -> int | None:
    try:
        return int(response.headers["content-length"])
    except (KeyError, ValueError):
        return None


# ------------------------------------------------------------------ fetching


async def fetch_url(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    allow_private: bool,
    user_agent: str = DEFAULT_USER_AGENT,
    headers: Mapping[str, str] | None = None,
    content_types: Collection[str] | None = None,
) -> Fetched:
    """GET ``url``, following at most ``MAX_REDIRECTS`` redirects, each hop checked.

    Args:
        timeout: seconds for the whole fetch (resolving, every hop, the body), so a server
            that trickles its answer is cut off too.
        max_bytes: the largest body accepted, after decompression.
        allow_private: also fetch from loopback and private addresses (intranet sources, tests);
            the caller reads it from its configuration (``NEWSDESK_ALLOW_PRIVATE_URLS``).
        headers: extra request headers, e.g. ``If-None-Match`` / ``If-Modified-Since`` for a
            conditional GET (a 304 comes back as ``Fetched.status``, with an empty body).
        content_types: media types accepted (e.g. ``{"text/html"}``); others are refused
            before the body is read. None accepts any.

    Raises:
        FetchError: for every failure (``UrlRefused`` for a refused URL or address); its
            message is the same generic line, its ``reason`` the detail.
    """
    request_headers = {**(headers or {}), "User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"}
    try:
        async with asyncio.timeout(timeout), httpx.AsyncClient(
            transport=_PinnedTransport(allow_private), timeout=timeout, follow_redirects=False, trust_env=False,
        ) as client:
            return await _follow(client, url, request_headers, max_bytes, content_types)
    except (httpx.TimeoutException, TimeoutError):
        raise FetchError(f"no complete answer within {timeout:g} seconds") from None
    except httpx.HTTPError as error:
        raise FetchError(f"{type(error).__name__}: {error}") from None


async def _follow(client: httpx.AsyncClient, url: str, headers: dict, max_bytes: int,
                  content_types: Collection[str] | None) -> Fetched:
    current = check_url(url)
    seen = {str(current)}
    for _ in range(MAX_REDIRECTS + 1):
        async with client.stream("GET", current, headers=headers) as response:
            if response.status_code in REDIRECT_STATUSES:
                location = response.headers.get("location")
                if not location:
                    raise FetchError(f"a {response.status_code} redirect without a Location")
                current = check_url(current.join(location))
                if str(current) in seen:
                    raise FetchError("a redirect loop")
                seen.add(str(current))
                continue
            return await _response(url, current, response, max_bytes, content_types)
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


async def _response(url: str, final: httpx.URL, response: httpx.Response, max_bytes: int,
                    content_types: Collection[str] | None) -> Fetched:
    status = response.status_code
    if status != 304 and not 200 <= status < 300:
        raise FetchError(f"the server answered {status} {response.reason_phrase}")
    media_type = _media_type(response)
    body = b""
    if status != 304:
        if content_types is not None and media_type not in content_types:
            raise FetchError(f"the content type {media_type or '(none)'!r} is not accepted")
        declared = _declared_length(response)
        if declared is not None and declared > max_bytes:
            raise FetchError(f"the body is larger than {max_bytes} bytes ({declared} declared)")
        body = await _read_body(response, max_bytes)
    return Fetched(url=url, final_url=str(final), status=status, headers={k.lower(): v for k, v in response.headers.items()},
                   content_type=media_type, body=body, encoding=response.charset_encoding)


def fetch_url_sync(url: str, **options) -> Fetched:
    """``fetch_url`` for code without an event loop (e.g. a feed poller in a thread)."""
    return asyncio.run(fetch_url(url, **options))
