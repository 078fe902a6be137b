"""Drafting and review: editors revise a draft of the source text, translators a translation of
a published version; reviewers approve or send back, publishers publish."""
