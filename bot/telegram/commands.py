"""The informational commands: /start, /help (from the command table), /stats and unknown commands."""

from __future__ import annotations

import statistics
import time

from newsdesk.bot.telegram.access import admit
from newsdesk.bot.telegram.sending import reply
from newsdesk.bot.telegram.state import get_state
from newsdesk.bot.telegram_format import escape
from telegram import Update
from telegram.ext import ContextTypes

UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")  # what newsdesk ingest reads


HELP = """I answer questions about the news articles I have indexed, with the answer copied from them, a supporting quote and the sources.

<b>Examples</b>
• Who hosted the Berlin talks?
• What did Zelenskyy offer in exchange for security guarantees?
• Where were the peace talks held?

In a private chat just send the question. In a group use <code>/ask …</code>, mention me, or reply to one of my messages.
Reply to one of my answers to ask a follow-up (for example “When was that?”); I read it together with the earlier question.
"""

ADMIN_HELP = """
<b>Admins</b>: send a {suffixes} file (up to {size}), or a link to an article, and I add it to the index right away.
"""


def command_lines(commands, admin: bool) -> list[str]:
    """/help's line for each listed command (the admins' or everyone's): usage, what, example."""
    return [f"{escape(c.usage)} — {escape(c.about)}" + (f" (e.g. <code>{escape(c.example)}</code>)" if c.example else "")
            for c in commands if c.listed and c.admin == admin]


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await admit(update, context):
        return
    name = escape(update.effective_user.first_name or "there")
    await reply(update, context, f"Hello {name}! 👋\n\n" + _help_text(update, context))


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await admit(update, context):
        return
    await reply(update, context, _help_text(update, context))


def _help_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    state = get_state(context)
    text = HELP + "\n" + "\n".join(command_lines(state.commands, admin=False))
    if update.effective_user.id in state.settings.admins:
        suffixes = ", ".join(UPLOAD_SUFFIXES[:-1]) + " or " + UPLOAD_SUFFIXES[-1]
        text += "\n" + ADMIN_HELP.format(suffixes=suffixes, size=size_text(state.settings.max_upload_bytes))
        text += "\n".join(command_lines(state.commands, admin=True))
    return text


def size_text(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"


async def on_unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have (private chats only: in groups it may be another bot's)."""
    if not await admit(update, context):
        return
    await reply(update, context, "I don't know that command. Send /help to see what I can do, or just ask a question.")


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await admit(update, context):
        return
    state = get_state(context)
    rows = await state.run(state.desk.sources)
    uptime = int(time.monotonic() - state.started)
    lines = [
        "<b>Newsdesk statistics</b>",
        f"Articles indexed: {len(rows)} ({sum(r.chunks for r in rows)} passages)",
        f"Questions since start: {state.questions} (answered {state.answered}, no answer {state.abstained})",
        f"Articles added from Telegram: {state.articles_added}",
        f"Up for: {uptime // 3600} h {uptime % 3600 // 60} min",
    ]
    if state.latencies_ms:
        latencies = sorted(state.latencies_ms)
        lines.append(f"Time to answer: median {statistics.median(latencies):.0f} ms, "
                     f"slowest {latencies[-1]:.0f} ms (last {len(latencies)} questions)")
    await reply(update, context, "\n".join(lines))
