"""The declaration as a signed PDF with its signatories: rendering, signing, the signatories it
lists, the background tasks that keep it fresh and the pages that serve and verify it. The only
part of `principles` that reads endorsements."""
