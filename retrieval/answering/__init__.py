"""From a question to an answer: search, the readers, and choosing and judging the answer.
May read the index; never imports evaluation."""
