"""Comments and analytics: the third-party services a site may turn on in ``config.yml``.

Each is off unless configured, so a page of a site without them loads nothing
from anyone.  This module checks the configuration (a wrong provider name or a
missing field is an error naming its line in ``config.yml``) and turns it into
the plain data the templates ``_comments.html`` and ``_analytics.html`` need.

    comments:
      giscus: {repo: me/blog, repo-id: R_x, category: Comments, category-id: DIC_x}
    # or
    comments:
      utterances: {repo: me/blog}

    analytics: {plausible: blog.example.org}      # or {goatcounter: mycode} or {google: G-XXXXXXX}
"""

from __future__ import annotations

import re
from typing import Any

#: Fields of each comments provider: required ones, and defaults for the others.
#: Keys are written as the provider's script attributes spell them (``data-repo-id``);
#: ``repo_id`` is accepted for ``repo-id``.
COMMENT_FIELDS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "giscus": (("repo", "repo-id", "category", "category-id"),
               {"mapping": "pathname", "strict": "0", "reactions-enabled": "1", "emit-metadata": "0",
                "input-position": "bottom", "lang": "en", "loading": "lazy",
                "theme": "preferred_color_scheme"}),
    "utterances": (("repo",), {"issue-term": "pathname", "theme": "preferred-color-scheme"}),
}
ANALYTICS = ("plausible", "goatcounter", "google")
_CHECKS = {
    "plausible": (re.compile(r"^[A-Za-z0-9.-]+(,[A-Za-z0-9.-]+)*$"), "a domain such as blog.example.org"),
    "goatcounter": (re.compile(r"^[a-z0-9-]+$"), "the code of your GoatCounter site (letters, digits, '-')"),
    "google": (re.compile(r"^(G|UA|GT|AW)-[A-Z0-9-]+$"), "a measurement id such as G-XXXXXXXXXX"),
}
_REPO = re.compile(r"^[\w.-]+/[\w.-]+$")


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def check_comments(value: Any) -> tuple[dict, str | None]:
    """(normalised settings, error message or None) for the ``comments`` key.

    The result is ``{"provider": name, "attrs": {attribute: text}}``; the
    attributes are the provider's ``data-*`` names without ``data-``.
    """
    if not isinstance(value, dict) or len(value) != 1:
        return {}, "comments must name one provider: giscus or utterances, with its settings below it"
    provider, settings = next(iter(value.items()))
    if provider not in COMMENT_FIELDS:
        return {}, f"unknown comments provider {provider!r}; use giscus or utterances"
    if not isinstance(settings, dict):
        return {}, f"comments: {provider} needs its settings as a mapping (repo: ..., ...)"
    required, defaults = COMMENT_FIELDS[provider]
    attrs = dict(defaults)
    for key, raw in settings.items():
        text = _text(raw)
        if text is None:
            return {}, f"comments: {provider}: {key} must be text, got {type(raw).__name__}"
        attrs[str(key).replace("_", "-")] = text
    missing = [k for k in required if not attrs.get(k)]
    if missing:
        return {}, f"comments: {provider} needs {', '.join(missing)} (see the provider's set-up page)"
    if not _REPO.match(attrs["repo"]):
        return {}, f"comments: {provider}: repo must be owner/name, got {attrs['repo']!r}"
    return {"provider": provider, "attrs": attrs}, None


def check_analytics(value: Any) -> tuple[dict, str | None]:
    """(``{"provider": name, "id": text}``, error message or None) for the ``analytics`` key."""
    if not isinstance(value, dict) or len(value) != 1:
        return {}, "analytics must name one provider: plausible, goatcounter or google, with its id"
    provider, raw = next(iter(value.items()))
    if provider not in ANALYTICS:
        return {}, f"unknown analytics provider {provider!r}; use one of {', '.join(ANALYTICS)}"
    text = _text(raw)
    pattern, what = _CHECKS[provider]
    if text is None or not pattern.match(text):
        return {}, f"analytics: {provider} must be {what}, got {raw!r}"
    return {"provider": provider, "id": text}, None
