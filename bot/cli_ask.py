"""``newsdesk ask`` and ``newsdesk chat``: questions from the command line."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Callable

from newsdesk.bot.cli_common import EXIT_OK, _filters, _note, _open_desk, _print_json, _width, history_file
from newsdesk.bot.cli_find import log_question

log = logging.getLogger("newsdesk")

QUIT_WORDS = {"quit", "exit", ":q"}
HISTORY_LINES = 1000

def _checked_filters(desk, filters) -> list[str]:
    """The notes ``filters`` call for. Raises InvalidInput when they leave no article at all."""
    from newsdesk.bot.render import filter_notes, no_match_message

    from newsdesk.errors import InvalidInput

    if not filters:
        return []
    check = desk.check_filters(filters)
    if not check.allowed:
        raise InvalidInput(no_match_message(filters, check))
    return filter_notes(filters, check)


def run_ask(args) -> int:
    from newsdesk.bot.render import answer_to_dict, answer_to_text
    from newsdesk.retrieval.answering.question import validate_question

    question = validate_question(sys.stdin.read() if args.question == "-" else args.question)  # before loading a model
    desk = _open_desk(args)
    filters = _filters(args)
    notes = _checked_filters(desk, filters)
    answer = desk.ask(question, k=args.k, filters=filters)
    log_question(args, desk, answer, question, "ask", filters)
    if args.json:
        _print_json({**answer_to_dict(answer), "notes": notes})
    else:
        print(answer_to_text(answer, width=_width(), notes=notes))
    return EXIT_OK


def line_editing(path: Path) -> Callable[[], None]:
    """Line editing and a kept history for ``chat``'s prompt (the standard library's readline,
    where this Python has it); returns what saves the history."""
    try:
        import readline
    except ImportError:  # e.g. Windows: plain input() still works
        return lambda: None
    readline.set_history_length(HISTORY_LINES)
    try:
        readline.read_history_file(path)
    except OSError:  # none yet
        pass

    def save() -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(path)
        except OSError as error:
            log.info("could not keep the chat history in %s: %s", path, error)

    return save


def run_chat(args) -> int:
    from newsdesk.bot.render import answer_to_dict, answer_to_text
    from newsdesk.retrieval.answering.followup import follow_up_question, names_the_story, refers_back

    from newsdesk.errors import UsageError

    desk = _open_desk(args)
    filters = _filters(args)
    for note in _checked_filters(desk, filters):
        _note(note)
    interactive = sys.stdin.isatty()
    save_history = line_editing(history_file()) if interactive else (lambda: None)
    if interactive:
        print("Ask a question about the articles (Ctrl-D or 'quit' to leave). A question that refers back, "
              "like \"When was that?\", is read with the one before it.")
    earlier = None  # (typed, asked, answer text) of the last question
    which_story = False  # the last question fitted several stories: a short reply names one
    try:
        while True:
            try:
                line = input("? " if interactive else "")
            except EOFError:
                if interactive:  # leave the shell's prompt on a line of its own
                    print()
                break
            question = " ".join(line.split())
            if question.lower() in QUIT_WORDS:
                break
            if not question:
                continue
            follows = earlier if earlier and (refers_back(question) or which_story and names_the_story(question)) else None
            asked = follow_up_question(question, follows[1], follows[2]) if follows else question
            try:
                answer = desk.ask(asked, k=args.k, filters=filters)
            except UsageError as error:  # e.g. an over-long question: say so, keep chatting
                print(f"newsdesk: {error}", file=sys.stderr)
                continue
            if answer.text or answer.related:  # a question that found nothing is no context for the next
                earlier = (question, asked, answer.text)
            which_story = answer.several_stories
            log_question(args, desk, answer, question, "chat", filters, follow_up_of=follows[0] if follows else None)
            shown = replace(answer, question=question)
            if args.json:
                print(json.dumps({**answer_to_dict(shown), "follow_up_of": follows[0] if follows else None}, ensure_ascii=False))
            else:
                notes = [f"read as a follow-up to “{follows[0]}”"] if follows else []
                print(answer_to_text(shown, width=_width(), notes=notes) + "\n")
    finally:
        save_history()
    return EXIT_OK
