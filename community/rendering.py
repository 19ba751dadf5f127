"""Post bodies: Markdown (plain text is Markdown too) rendered to HTML, then sanitised.

markdown-it-py renders CommonMark with raw HTML off (``<script>`` in a post is text, not a tag);
nh3 (the Rust ``ammonia`` sanitiser) then keeps only the tags and attributes below, whatever
the renderer produced: no script, no style, no event handlers, links only to http(s) and mailto
and always ``rel="nofollow noopener noreferrer"``, no images (no tracking pixels).
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"

# "js-default": CommonMark with raw HTML off, plus tables and strikethrough; no linkify (no
# outbound lookups, no guessing what is a link).
_markdown = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})


def markdown_to_html(text: str) -> str:
    """Safe HTML for ``text`` (Markdown), to show as it is."""
    return nh3.clean(
        _markdown.render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()
