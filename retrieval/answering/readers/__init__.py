"""The readers: the rules baseline, newsdesk's trained span reader, and choosing one by name."""
