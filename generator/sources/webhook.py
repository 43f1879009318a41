"""An incoming webhook of Slack or Discord (or one compatible with either): post a message.

    with WebhookClient(url) as hook:
        hook.post("text of the message")      # SourceError when it was not accepted

The body is JSON with the message twice, `{"text": ..., "content": ...}`: Slack (and
Mattermost, Rocket.Chat, ...) read `text`, Discord reads `content`, and each ignores the
other key. Any 2xx answer is success (Slack answers 200 `ok`, Discord 204). A message is
at most MESSAGE_LIMIT characters, under Discord's 2,000 (Slack's is 40,000).

The address is a secret (whoever has it can post to the channel): it never appears in a
message, an error or a log line. `masked(url)` gives its scheme and host only, and every
error raised here says that instead. Each post has an overall deadline and a cap on the
answer's body (generator.sources.http.BoundedClient); it is not retried here: the caller
posts it again on a later night.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx

from generator.errors import SourceError
from generator.sources.http import USER_AGENT, BoundedClient, Closing

MESSAGE_LIMIT = 1900
"""Characters in one message: Discord refuses `content` over 2,000."""
TIMEOUT = 10.0
"""Seconds one socket operation of a post may wait."""
DEADLINE = 20.0
"""Seconds one post may take in all (connect, send, answer)."""
MAX_ANSWER_BYTES = 64 * 1024
"""The most of a webhook's answer read (Slack's is `ok`, Discord's empty)."""
HINT = (
    "Check the NOTIFY_WEBHOOK_URL secret: it must be the incoming webhook's whole address, "
    "as Slack or Discord shows it"
)


def masked(url: str) -> str:
    """The address as it may be shown: scheme and host only (the path is the secret)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme or '?'}://{host}/…"


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a webhook's address (without showing it), or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        return "is not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an address starting with https:// (or http://) and a host"
    if any(ch.isspace() for ch in url):
        return "contains white space (pasted with a line break?)"
    return None


class WebhookClient(Closing):
    """Posts messages to one incoming webhook; see the module docstring."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = TIMEOUT,
        deadline: float = DEADLINE,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        problem = url_problem(url)
        if problem is not None:
            raise SourceError(f"the webhook address {problem}. {HINT}")
        self._url = url
        self.shown = masked(url)
        self._http = BoundedClient(
            timeout=timeout,
            deadline=deadline,
            max_body=MAX_ANSWER_BYTES,
            transport=transport,
            hint=HINT,
        )

    def close(self) -> None:
        self._http.close()

    def post(self, text: str) -> None:
        """Post one message; SourceError (naming only scheme and host) when it failed."""
        if len(text) > MESSAGE_LIMIT:
            raise ValueError(f"a message of {len(text)} characters, over {MESSAGE_LIMIT}")
        body = json.dumps({"text": text, "content": text}, ensure_ascii=False).encode()
        headers = {"User-Agent": USER_AGENT, "Content-Type": "application/json"}
        request = httpx.Request("POST", self._url, content=body, headers=headers)
        try:
            reply = self._http.send(request, self.shown)
        except SourceError as exc:
            raise SourceError(self._scrub(exc.message)) from None
        except httpx.HTTPError as exc:
            detail = self._scrub(str(exc)) or type(exc).__name__
            raise SourceError(f"{self.shown}: the post failed ({detail}). {HINT}") from None
        if not 200 <= reply.status_code < 300:
            raise SourceError(
                f"{self.shown}: the webhook answered {reply.status_code} "
                f"{self._scrub(reply.reason_phrase)[:80]}; the message was not accepted"
                + (" (rate limited)" if reply.status_code == 429 else "")
            )

    def _scrub(self, text: str) -> str:
        """`text` with the address (and its path) replaced by the masked form."""
        path = urlsplit(self._url).path
        text = text.replace(self._url, self.shown)
        return text.replace(path, "/…") if len(path) > 1 else text
