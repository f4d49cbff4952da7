"""Citizen HTML (Mastodon statuses, e-mail bodies) made safe: sanitized HTML and plain text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

BLOCK_TAGS = {"p", "div", "li", "tr", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table"}
SKIPPED_TAGS = {"script", "style", "head", "title", "template"}
# Remote images would tell the sender that (and when) an editor read the mail.
ALLOWED_TAGS = nh3.ALLOWED_TAGS - {"img"}


def sanitize_html(html: str) -> str:
    """Only harmless markup survives: no scripts, event handlers, styles or remote images."""
    if not html:
        return ""
    return nh3.clean(html, tags=ALLOWED_TAGS, link_rel="noopener noreferrer nofollow")


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self._skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML fragment; paragraphs and line breaks kept."""
    collector = _TextCollector()
    collector.feed(html or "")
    collector.close()
    text = "".join(collector.parts)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
