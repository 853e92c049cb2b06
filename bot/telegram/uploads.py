"""Admins add articles: an uploaded file or a link, fetched and indexed in the ingest thread."""

from __future__ import annotations

import hashlib
import logging
import re
import zlib
from pathlib import Path
from typing import AsyncIterable
from urllib.parse import quote, urlparse, urlsplit, urlunsplit

import httpx
from newsdesk.bot.telegram.access import admit
from newsdesk.bot.telegram.commands import UPLOAD_SUFFIXES, size_text
from newsdesk.bot.telegram.sending import reply, typing, with_retry
from newsdesk.bot.telegram.state import get_state
from newsdesk.bot.telegram_format import escape, format_ingest_report
from newsdesk.retrieval.index.changes import IngestReport
from newsdesk.retrieval.service import Newsdesk
from newsdesk.retrieval.settings import UrlOptions
from telegram import Update
from telegram.constants import ChatType
from telegram.error import NetworkError, TelegramError
from telegram.ext import ContextTypes

from newsdesk.errors import FetchError

log = logging.getLogger(__name__)


FETCH_FAILED = ("Sorry, I couldn't fetch that link: it may be unreachable, not public, too large "
                "or not a web page or text.")



def upload_path(folder: Path, user_id: int, name: str) -> Path:
    """Where an admin's upload is kept: ``folder/<user id>/<name>``, so admins never overwrite
    each other's files while a corrected file (the same name again) replaces its earlier
    version. Characters other than letters, digits, spaces and ``.-_()`` become ``_``; when
    that changed the name, a hash of the original keeps different names apart.

    Raises:
        ValueError: the name has no stem before its extension (``.json``, ``..json``).
    """
    base = re.split(r"[/\\]", name)[-1]  # never a directory from the name
    stem, dot, suffix = base.rpartition(".")
    cleaned = re.sub(r"[^\w .()-]+", "_", stem).strip(" ._")[:100]
    if not dot or not re.search(r"[^\W_]", cleaned):
        raise ValueError("it needs a name before its extension (e.g. report.json)")
    if cleaned != stem:
        cleaned += "-" + hashlib.sha256(stem.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return folder / str(user_id) / f"{cleaned}.{suffix.lower()}"


def _decoder(content_encoding: str):
    """A zlib decompressor for a body's Content-Encoding (None: the bytes as they are).

    Raises:
        TelegramError: an encoding other than identity, gzip or deflate.
    """
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # 32: a gzip or a zlib header, whichever comes
    raise TelegramError(f"file download failed: unsupported Content-Encoding {encoding!r}")


async def read_within(chunks: AsyncIterable[bytes], decoder, limit: int) -> bytes | None:
    """The decoded body of ``chunks``, or None as soon as it passes ``limit`` bytes. Decoding
    never yields more than the room left, so a gzip bomb stops at the bound too."""
    data = bytearray()
    async for chunk in chunks:
        while chunk:
            if decoder is None:
                out, chunk = chunk, b""
            else:
                out = decoder.decompress(chunk, limit + 1 - len(data))
                chunk = decoder.unconsumed_tail
            data += out
            if len(data) > limit:
                return None
    return bytes(data)


def file_url(file_path: str) -> str:
    """The download URL of a ``File.file_path`` (a URL here: the bot never runs in local mode),
    non-ASCII characters percent-encoded as python-telegram-bot does."""
    parts = urlsplit(file_path)
    return urlunsplit(parts._replace(path=quote(parts.path)))


async def download_within(url: str, limit: int) -> bytes | None:
    """The file at ``url``, streamed, or None once more than ``limit`` bytes have been read.

    The declared ``file_size`` is not trusted: a Bot API may under-report it or send the body
    gzip-encoded, and python-telegram-bot's download reads everything before the size is known.

    Raises:
        NetworkError: the download failed or the server answered 5xx (``with_retry`` retries);
            the message never holds the URL, which holds the token.
        TelegramError: any other answer, or a body that does not decode.
    """
    timeout = httpx.Timeout(20.0, connect=10.0)  # per read, as the bot's own requests
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            async with client.stream("GET", url, headers={"Accept-Encoding": "identity"}) as response:
                if response.status_code >= 500:
                    raise NetworkError(f"file download failed: HTTP {response.status_code}")
                if response.status_code != 200:
                    raise TelegramError(f"file download failed: HTTP {response.status_code}")
                decoder = _decoder(response.headers.get("Content-Encoding", ""))
                return await read_within(response.aiter_raw(), decoder, limit)
    except httpx.HTTPError as error:
        raise NetworkError(f"file download failed: {type(error).__name__}") from None
    except zlib.error:
        raise TelegramError("file download failed: the body does not decode") from None


def _added(report: IngestReport, desk: Newsdesk) -> tuple[IngestReport, dict[str, int]]:
    """The report and the chunk counts of the articles it added (for the confirmation)."""
    return report, desk.chunk_counts(a.id for a in [*report.added, *report.replaced])


def _save_and_ingest(desk: Newsdesk, path: Path, data: bytes) -> tuple[IngestReport, dict[str, int]]:
    """In the ingest thread: keep the upload under the home, then add it."""
    return _added(desk.add_file(path, data), desk)


def _fetch_and_ingest(desk: Newsdesk, url: str, options: UrlOptions) -> tuple[IngestReport, dict[str, int]]:
    """In the ingest thread: fetch an admin's link and add the page."""
    return _added(desk.add_url(url, options), desk)


async def _may_add(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    if update.effective_user.id not in get_state(context).settings.admins:
        await reply(update, context, "Sorry, only admins can add articles. You can ask me questions about the indexed ones.")
        return False
    return True  # adding articles is no question: the rate limit leaves admins' uploads alone


async def _confirm(update: Update, context: ContextTypes.DEFAULT_TYPE, report, counts) -> None:
    state = get_state(context)
    state.articles_added += len(report.added) + len(report.replaced)
    await reply(update, context, format_ingest_report(report, counts))


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An admin's file: checked (type, size), downloaded, saved under the home and indexed."""
    message, chat = update.effective_message, update.effective_chat
    if chat.type != ChatType.PRIVATE:
        replied = message.reply_to_message
        to_bot = bool(replied and replied.from_user and replied.from_user.id == context.bot.id)
        if not (to_bot or f"@{context.bot.username}".lower() in (message.caption or "").lower()):
            return  # a file shared in a group, not sent to us
    if not await admit(update, context) or not await _may_add(update, context):
        return
    state = get_state(context)
    document = message.document
    name = document.file_name or "upload"
    suffix = "." + name.rpartition(".")[2].lower() if "." in name else ""
    if suffix not in UPLOAD_SUFFIXES:
        await reply(update, context, escape(
            f"Sorry, I can't add {name}: I take {', '.join(UPLOAD_SUFFIXES)} files only."))
        return
    try:
        path = upload_path(Path(state.desk.settings.home) / "telegram-uploads", update.effective_user.id, name)
    except ValueError as error:
        await reply(update, context, escape(f"Sorry, I can't add {name}: {error}."))
        return
    limit = state.settings.max_upload_bytes
    if document.file_size and document.file_size > limit:
        await reply(update, context, escape(
            f"Sorry, {name} is too large ({size_text(document.file_size)}; the limit is {size_text(limit)})."))
        return
    async with typing(context, chat.id):
        telegram_file = await with_retry(lambda: context.bot.get_file(document.file_id), state.settings.send_attempts, "getFile")
        url = file_url(telegram_file.file_path)
        data = await with_retry(lambda: download_within(url, limit), state.settings.send_attempts, "file download")
        if data is None:
            await reply(update, context, escape(f"Sorry, {name} is too large (the limit is {size_text(limit)})."))
            return
        report, counts = await state.run_ingest(_save_and_ingest, state.desk, path, data)
    log.info("user %s added %s: %d added, %d rejected", update.effective_user.id, path.name, len(report.added), len(report.rejected))
    await _confirm(update, context, report, counts)


def log_host(url: str) -> str:
    """The host of ``url`` for the log (never raises on a malformed URL)."""
    try:
        return urlparse(url).hostname or "?"
    except ValueError:
        return "?"


async def add_from_url(update: Update, context: ContextTypes.DEFAULT_TYPE, url: str) -> None:
    """An admin's link: fetched (short timeout, size limit), extracted and indexed."""
    if not await _may_add(update, context):
        return
    state, settings = get_state(context), get_state(context).settings
    async with typing(context, update.effective_chat.id):
        options = UrlOptions(timeout_s=settings.fetch_timeout_s, max_bytes=settings.max_upload_bytes,
                             allow_private=settings.allow_private_urls, user_agent="newsdesk-bot")
        try:
            report, counts = await state.run_ingest(_fetch_and_ingest, state.desk, url, options)
        except FetchError as error:
            # The detail stays in the log: told to the user it would map the network (refused,
            # closed and open ports would each read differently).
            log.info("user %s: could not fetch a link to %s: %s", update.effective_user.id, log_host(url), error.reason)
            await reply(update, context, FETCH_FAILED)
            return
    log.info("user %s added %s: %d added", update.effective_user.id, log_host(url), len(report.added))
    await _confirm(update, context, report, counts)
