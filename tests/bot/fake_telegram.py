"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests with the real client.

It implements the methods the bot uses (getMe, getUpdates with long polling, sendMessage,
editMessageText, sendChatAction, answerCallbackQuery, setMyCommands, setWebhook,
deleteWebhook, getFile and file downloads), records every request, lets a test inject
updates, and can fail the next requests of a method with 429 (retry_after) or 5xx responses.
Like Telegram, it refuses getUpdates (409) while a webhook is set; it does not call webhooks
itself: a webhook test posts ``new_update(...)`` to the bot's server.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, unquote

TOKEN = "123456:TEST-token-never-printed"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Newsdesk", "username": "newsdesk_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
MAX_POLL_WAIT = 2.0  # seconds a getUpdates call waits for updates, whatever the client asks

# Parameters that arrive JSON-encoded in a form body; ids arrive as decimal strings.
_JSON_FIELDS = {"reply_markup", "reply_parameters", "link_preview_options", "commands", "allowed_updates", "entities"}
_INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "reply_to_message_id", "max_connections"}


@dataclass
class Call:
    """One request the bot made, and what the server answered."""

    method: str
    params: dict
    status: int
    at: float = field(default_factory=time.monotonic)
    result: Any = None

    @property
    def ok(self) -> bool:
        return self.status == 200


class ApiError(Exception):
    """An error answer of a method: its HTTP status and Telegram's description."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def _decode_params(raw: dict[str, str]) -> dict:
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _JSON_FIELDS:
            try:
                value = json.loads(value)
            except (TypeError, ValueError):
                pass
        elif key in _INT_FIELDS:
            try:
                value = int(value)
            except (TypeError, ValueError):
                pass
        params[key] = value
    return params


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hung up (a long poll cancelled at shutdown) is not an error here.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeTelegram:
    """The server and the test-facing controls: inject updates, fail requests, inspect calls."""

    def __init__(self, token: str = TOKEN):
        self.token = token
        self.bot = dict(BOT_USER)
        self.calls: list[Call] = []
        self.downloads: list[str] = []
        self.served: list[int] = []  # body bytes each finished download wrote before the client hung up
        self._cond = threading.Condition()
        self._updates: list[dict] = []
        self._next_update_id = 1
        self._next_message_id = 1000
        self._failures: dict[str, deque[tuple[int, int | None]]] = defaultdict(deque)
        self._messages: dict[tuple[int, int], dict] = {}
        self._chats: dict[int, dict] = {}
        self._files: dict[str, tuple[str, bytes]] = {}
        self._gzipped: set[str] = set()  # file paths whose body is sent gzip-encoded
        self.webhook: dict | None = None  # {"url", "secret_token", ...} while a webhook is set
        self._closing = False
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    # -------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "FakeTelegram":
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    # -------------------------------------------------------------- controls
    def fail_next(self, method: str, *failures: tuple[int, int | None]) -> None:
        """Answer the next calls of ``method`` with these (status, retry_after) failures."""
        with self._cond:
            self._failures[method].extend(failures)

    def add_file(self, data: bytes, name: str, *, gzipped: bool = False) -> str:
        """Make a file downloadable (its body sent gzip-encoded if ``gzipped``); returns its file_id."""
        with self._cond:
            file_id = f"file-{len(self._files) + 1}"
            suffix = name.rsplit(".", 1)[-1] if "." in name else "bin"
            path = f"documents/file_{len(self._files) + 1}.{suffix}"  # as Telegram names them
            self._files[file_id] = (path, gzip.compress(data) if gzipped else data)
            if gzipped:
                self._gzipped.add(path)
        return file_id

    def chat(self, chat_id: int, kind: str = "private", title: str | None = None) -> dict:
        chat = {"id": chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = f"User{chat_id}"
        else:
            chat["title"] = title or f"Group {chat_id}"
        return chat

    @staticmethod
    def user(user_id: int, name: str | None = None) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": name or f"User{user_id}"}

    def push_message(self, chat_id: int, user_id: int, text: str | None = None, *, kind: str = "private",
                     reply_to: dict | None = None, document: dict | None = None, caption: str | None = None) -> dict:
        """Inject a message from a user (for getUpdates); returns it (with its message_id)."""
        with self._cond:
            message = self.new_message(chat_id, user_id, text, kind=kind, reply_to=reply_to, document=document,
                                       caption=caption)
            self._push({"message": message})
            return message

    def new_message(self, chat_id: int, user_id: int, text: str | None = None, *, kind: str = "private",
                    reply_to: dict | None = None, document: dict | None = None, caption: str | None = None) -> dict:
        """A message from a user, known to the server (replies can refer to it) but not queued."""
        with self._cond:
            message = {"message_id": self._new_message_id(), "date": int(time.time()),
                       "chat": self.chat(chat_id, kind), "from": self.user(user_id)}
            if text is not None:
                message["text"] = text
                if text.startswith("/"):
                    command = text.split()[0]
                    message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            if reply_to is not None:
                message["reply_to_message"] = reply_to
            if document is not None:
                message["document"] = document
            if caption is not None:
                message["caption"] = caption
            self._chats[chat_id] = message["chat"]
            self._messages[(chat_id, message["message_id"])] = message
            return message

    def new_update(self, payload: dict) -> dict:
        """An update with the next update_id, not queued: what Telegram would POST to a webhook."""
        with self._cond:
            update = {"update_id": self._next_update_id, **payload}
            self._next_update_id += 1
            return update

    def push_document(self, chat_id: int, user_id: int, data: bytes, name: str, *, declared_size: int | None = None,
                      kind: str = "private", caption: str | None = None, gzipped: bool = False) -> dict:
        file_id = self.add_file(data, name, gzipped=gzipped)
        document = {"file_id": file_id, "file_unique_id": f"u-{file_id}", "file_name": name,
                    "file_size": declared_size if declared_size is not None else len(data)}
        return self.push_message(chat_id, user_id, kind=kind, document=document, caption=caption)

    def push_callback(self, user_id: int, message: dict | None, data: str) -> str:
        """Inject a button press on one of the bot's messages (None: on an inline message, which
        comes without its message); returns the query id."""
        with self._cond:
            query_id = f"cb-{self._next_update_id}"
            where = {"message": message} if message is not None else {"inline_message_id": "inline-1"}
            self._push({"callback_query": {"id": query_id, "from": self.user(user_id), "chat_instance": "ci",
                                           "data": data, **where}})
            return query_id

    def _push(self, payload: dict) -> None:
        self._updates.append(self.new_update(payload))
        self._cond.notify_all()

    def _new_message_id(self) -> int:
        self._next_message_id += 1
        return self._next_message_id

    # -------------------------------------------------------------- inspection
    def requests(self, method: str | None = None, ok: bool | None = True, **params) -> list[Call]:
        """Recorded calls of ``method`` (successful ones by default) whose params match."""
        with self._cond:
            calls = list(self.calls)
        return [c for c in calls if (method is None or c.method == method) and (ok is None or c.ok == ok)
                and all(c.params.get(k) == v for k, v in params.items())]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
        """Wait (bounded) until ``predicate()`` is truthy; returns its value or fails the test."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout}s; calls so far: "
                                         f"{[(c.method, c.status) for c in self.calls][-20:]}")
                self._cond.wait(min(remaining, 0.2))

    def wait_sent(self, chat_id: int, count: int = 1, timeout: float = 15.0) -> list[Call]:
        """Wait for ``count`` delivered sendMessage calls to ``chat_id``; returns them."""
        return self.wait_for(lambda: (found := self.requests("sendMessage", chat_id=chat_id)) and len(found) >= count and found,
                             timeout)

    def quiet(self, seconds: float = 0.5, timeout: float = 10.0) -> None:
        """Wait until the bot has made no request (other than polling) for ``seconds``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                last = max((c.at for c in self.calls if c.method != "getUpdates"), default=0.0)
            if time.monotonic() - last >= seconds:
                return
            time.sleep(0.05)
        raise AssertionError("the bot never went quiet")

    def message(self, chat_id: int, message_id: int) -> dict:
        return self._messages[(chat_id, message_id)]

    # -------------------------------------------------------------- the API
    def _api(self, method: str, params: dict) -> tuple[int, dict]:
        with self._cond:
            if self._failures[method]:
                status, retry_after = self._failures[method].popleft()
                body = {"ok": False, "error_code": status, "description": "Too Many Requests" if status == 429 else "Bad Gateway"}
                if retry_after is not None:
                    body["parameters"] = {"retry_after": retry_after}
                    body["description"] = f"Too Many Requests: retry after {retry_after}"
                return status, body
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        try:
            return 200, {"ok": True, "result": handler(params)}
        except ApiError as error:
            return error.status, {"ok": False, "error_code": error.status, "description": error.description}
        except KeyError as error:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"}

    def _m_getMe(self, params):
        return self.bot

    def _m_setWebhook(self, params):
        url = params.get("url") or ""
        if not url:  # an empty url removes the webhook, as deleteWebhook does
            return self._m_deleteWebhook(params)
        if not url.startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        with self._cond:
            self.webhook = dict(params)
        return True

    def _m_deleteWebhook(self, params):
        with self._cond:
            self.webhook = None
        return True

    def _m_setMyCommands(self, params):
        return True

    def _m_sendChatAction(self, params):
        return True

    def _m_answerCallbackQuery(self, params):
        return True

    def _m_getUpdates(self, params):
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), MAX_POLL_WAIT)
        deadline = time.monotonic() + wait
        with self._cond:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]  # confirmed ones go
            while not self._updates and not self._closing and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            return list(self._updates[:100])

    def _m_sendMessage(self, params):
        text = params["text"]
        if not text.strip():
            raise KeyError("message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            raise KeyError("message is too long")
        chat_id = int(params["chat_id"])
        with self._cond:
            message = {"message_id": self._new_message_id(), "date": int(time.time()),
                       "chat": self._chats.get(chat_id, self.chat(chat_id)), "from": self.bot, "text": text}
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            self._messages[(chat_id, message["message_id"])] = message
            return message

    def _m_editMessageText(self, params):
        chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
        with self._cond:
            message = self._messages[(chat_id, message_id)]
            message["text"] = params["text"]
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            else:
                message.pop("reply_markup", None)
            return message

    def _m_getFile(self, params):
        path, data = self._files[params["file_id"]]
        return {"file_id": params["file_id"], "file_unique_id": f"u-{params['file_id']}", "file_size": len(data),
                "file_path": path}

    # -------------------------------------------------------------- HTTP
    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet test output
                pass

            def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _send_file(self, body: bytes, gzipped: bool) -> None:
                """The body in 64 KiB writes, counting what went out before the client hung up."""
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                if gzipped:
                    self.send_header("Content-Encoding", "gzip")
                self.end_headers()
                sent = 0
                try:
                    for start in range(0, len(body), 65536):
                        self.wfile.write(body[start : start + 65536])
                        sent += len(body[start : start + 65536])
                except ConnectionError:
                    self.close_connection = True
                with fake._cond:
                    fake.served.append(sent)
                    fake._cond.notify_all()

            def _params(self) -> dict:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                content_type = self.headers.get("Content-Type", "")
                if "json" in content_type:
                    return json.loads(raw or b"{}")
                return _decode_params(dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True)))

            def _route(self) -> None:
                prefix, file_prefix = f"/bot{fake.token}/", f"/file/bot{fake.token}/"
                path = unquote(self.path)  # file URLs arrive with the token's ":" escaped
                if path.startswith(file_prefix):
                    wanted = path[len(file_prefix):]
                    fake.downloads.append(wanted)
                    found = [data for path, data in fake._files.values() if path == wanted]
                    if found:
                        self._send_file(found[0], wanted in fake._gzipped)
                    else:
                        self._reply(404, b"not found", "application/octet-stream")
                    return
                if not path.startswith(prefix):
                    self._reply(401, json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"}).encode())
                    return
                method = path[len(prefix):].split("?")[0]
                params = self._params()
                status, body = fake._api(method, params)
                with fake._cond:
                    fake.calls.append(Call(method, params, status, result=body.get("result")))
                    fake._cond.notify_all()
                self._reply(status, json.dumps(body).encode())

            do_GET = do_POST = _route

        return Handler
