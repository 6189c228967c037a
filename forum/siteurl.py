"""The site's own address, SITE_URL: every absolute link, and the host names the site answers to.

Feeds, the sitemap, robots.txt and email carry absolute links. Built from the request they
would say whatever Host header a client sent, and a cache or a feed reader would hand that
forged address on to everyone. So the application class below builds every absolute URL from
SITE_URL, and a request naming a host outside TRUSTED_HOSTS is refused before any view runs.
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import Flask, Response, current_app, has_request_context, request
from flask.templating import Environment
from werkzeug.exceptions import SecurityError
from werkzeug.routing import BuildError, MapAdapter

DEFAULT_SITE_URL = "http://127.0.0.1:5000"
# A site addressed by a loopback name runs on the developer's own machine: whichever of these
# names the browser uses, it is the same site.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")
ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"  # as Flask's own url_for quotes an anchor
PATHS_KEPT = 4096  # paths kept by Afterward._path_for: about 1 MB


def check_site_url(value: str) -> str:
    """SITE_URL without a trailing slash; ValueError unless it is an http(s) address."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.username or parts.password:
        raise ValueError(f"SITE_URL must look like https://forum.example.org, not {value!r}")
    return value.rstrip("/")


def default_trusted_hosts(site_url: str) -> list[str]:
    """The hosts to answer to when TRUSTED_HOSTS is not set: SITE_URL's own."""
    host = urlsplit(site_url).hostname
    return list(LOOPBACK_HOSTS) if host in LOOPBACK_HOSTS else [host]


def site_origin() -> str:
    """SITE_URL's scheme, host and port, as a browser writes them in an Origin header."""
    parts = urlsplit(current_app.config["SITE_URL"])
    return f"{parts.scheme}://{parts.netloc}".lower()


def _site_adapter(app: Flask) -> MapAdapter:
    """A URL builder bound to SITE_URL, made once per app and SITE_URL."""
    site_url = app.config["SITE_URL"]
    cached = app.extensions.get("forum.siteurl")
    if cached is None or cached[0] != site_url:
        parts = urlsplit(site_url)
        adapter = app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                   url_scheme=parts.scheme)
        cached = app.extensions["forum.siteurl"] = (site_url, adapter)
    return cached[1]


class TemplateEnvironment(Environment):
    """Flask's Jinja environment, except that a template's globals are a plain dict.

    Jinja gives each template `ChainMap(its own globals, the environment's)`, and every
    `{% from "x.html" import m %}` in a render asks which of the page's globals the imported
    file lacks: a set minus that ChainMap's keys, one `in` through both maps for each of the
    site's 60-odd globals, all in Python. On a visitor's thread page that was a fifth of the
    request's function calls. As a dict the same question is one C-level set difference.

    A dict is a copy: a global added after a template is loaded would not reach it. Every
    global is registered while the app is created (create_app, the extensions' init_app),
    before any template loads; tests/test_template_globals.py checks that a page sees all of
    them."""

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


class Afterward(Flask):
    """Flask, except that an absolute URL always starts with SITE_URL, never the request's host."""

    jinja_environment = TemplateEnvironment

    # A block tag's line leaves nothing behind: no newline after it, no indentation before it.
    # Pages are a fifth smaller (a member's 100-post thread 186 -> 147 KB), and every byte is
    # joined, encoded and sent on each request.
    jinja_options = {**Flask.jinja_options, "trim_blocks": True, "lstrip_blocks": True}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._paths: dict[tuple, str] = {}

    def _path_for(self, endpoint: str, values: dict) -> str:
        """The path to `endpoint` with `values`, built once and then kept.

        A page builds the same paths on every request (the stylesheet, the header's and the
        footer's links, each post's actions): about 30 for a member's thread page. A path
        depends only on the endpoint, its values and where the site is mounted (no URL
        defaults are registered), so it is the same for every reader; it names no account.
        At most PATHS_KEPT are kept; when full, the lot is dropped and built again."""
        try:
            key = (request.script_root, endpoint, *values.items())
            return self._paths[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value (a list of values for one argument)
            return super().url_for(endpoint, **values)
        path = super().url_for(endpoint, **values)
        if len(self._paths) >= PATHS_KEPT:
            self._paths.clear()
        self._paths[key] = path
        return path

    def url_for(self, endpoint: str, /, *, _anchor: str | None = None,
                _method: str | None = None, _scheme: str | None = None,
                _external: bool | None = None, **values) -> str:
        """A link to `endpoint`: a path, or an address on SITE_URL wherever it is built."""
        in_request = has_request_context()
        if _external is False or (_external is None and _scheme is None and in_request):
            if in_request and _anchor is None and _method is None and endpoint[:1] != ".":
                return self._path_for(endpoint, values)
            return super().url_for(endpoint, _anchor=_anchor, _method=_method,
                                   _scheme=_scheme, _external=_external, **values)
        if endpoint[:1] == "." and in_request:
            blueprint = request.blueprint
            endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
        self.inject_url_defaults(endpoint, values)
        try:
            url = _site_adapter(self).build(endpoint, values, method=_method,
                                            url_scheme=_scheme, force_external=True)
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=True)
            return self.handle_url_build_error(error, endpoint, values)
        if _anchor is not None:
            url = f"{url}#{quote(_anchor, safe=ANCHOR_SAFE)}"
        return url


def refuse_unknown_host() -> Response | None:
    """Answer a plain 400, naming no host, to a request for a host outside TRUSTED_HOSTS."""
    # Flask checks the host while matching the URL and keeps the error for later; answered
    # here, before any other guard, no hook or view ever works with the untrusted host. Plain
    # text, because such a request has no URL builder for the site's own error page.
    if isinstance(request.routing_exception, SecurityError):
        return Response("This site does not answer to that host name.\n", 400,
                        mimetype="text/plain")
    return None


def init_app(app: Flask) -> None:
    """Check SITE_URL, settle TRUSTED_HOSTS, and refuse unknown hosts first of all."""
    app.config["SITE_URL"] = check_site_url(app.config["SITE_URL"])
    # An empty list would mean "any host" to Werkzeug: empty counts as not set.
    if not app.config.get("TRUSTED_HOSTS"):
        app.config["TRUSTED_HOSTS"] = default_trusted_hosts(app.config["SITE_URL"])
    app.before_request(refuse_unknown_host)
