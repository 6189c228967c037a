"""A hostile-input corpus, a check that a rendered page is inert, and a browser-like form filler.

The payloads are our own: script and markup injection (plain, attribute-breaking and
entity-encoded), dangerous link schemes in HTML and Markdown form, mutation-XSS shapes that
abuse how parsers disagree (noscript, style, svg, math, comments, CDATA), template injection,
SQL probes, Unicode trickery (bidi overrides, zero-width and invisible characters,
homoglyphs), line breaks that try to forge log lines, and oversized or pathological text.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

# Template injection: rendered by a template engine, these would print the markers below.
TEMPLATE_PAYLOADS = ["{{7*7}}", "{{ 71*73 }}", "{% for x in range(3) %}loop{% endfor %}",
                     "${7*7}", "#{7*7}", "{{ config }}", "{{ ''.__class__.__mro__ }}"]
TEMPLATE_MARKERS = ["5183", "looplooploop", "SECRET_KEY", "<class 'object'>"]

PAYLOADS: dict[str, str] = {
    # markup, as typed into any field
    "script": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "svg-onload": "<svg onload=alert(1)>",
    "a-javascript": '<a href="javascript:alert(1)">click</a>',
    "break-double-quote": '"><script>alert(1)</script>',
    "break-single-quote": "'><img src=x onerror=alert(1)>",
    "attr-event": '" onmouseover="alert(1)" x="',
    "attr-autofocus": "' autofocus onfocus='alert(1)",
    "close-textarea": "</textarea><script>alert(1)</script>",
    "close-title": "</title><script>alert(1)</script>",
    "close-style": "</style><script>alert(1)</script>",
    "iframe": '<iframe src="javascript:alert(1)"></iframe>',
    "body-onload": "<body onload=alert(1)>",
    "details-ontoggle": "<details open ontoggle=alert(1)>",
    "style-attr": '<p style="background:url(javascript:alert(1))">styled</p>',
    "style-tag": "<style>@import 'javascript:alert(1)';</style>",
    "base": '<base href="//evil.example/">',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "object-data": '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    "form-action": '<form action="javascript:alert(1)"><button>go</button></form>',
    # mutation XSS: parser differentials
    "mxss-noscript": '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "mxss-math": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "mxss-svg-style": "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "mxss-form-math": "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "mxss-comment": '<!--<img src="--><img src=x onerror=alert(1)//">',
    "mxss-cdata": "<![CDATA[<script>alert(1)</script>]]>",
    "mxss-template": "<template><script>alert(1)</script></template>",
    # entity-encoded
    "entities": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "entities-hex": "&#x3C;script&#x3E;alert(1)&#x3C;/script&#x3E;",
    "entity-scheme": '<a href="&#106;avascript:alert(1)">x</a>',
    "entity-tab-scheme": '<a href="jav&#x09;ascript:alert(1)">x</a>',
    # Markdown links and images
    "md-javascript": "[click](javascript:alert(1))",
    "md-javascript-case": "[click](JaVaScRiPt:alert(1))",
    "md-javascript-space": "[click]( javascript:alert(1) )",
    "md-javascript-entity": "[click](&#106;avascript:alert(1))",
    "md-javascript-encoded": "[click](javascript%3Aalert(1))",
    "md-vbscript": "[click](vbscript:msgbox(1))",
    "md-data": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "md-image-javascript": "![pic](javascript:alert(1))",
    "md-image-tracker": "![pic](https://evil.example/pixel.png)",
    "md-autolink": "<javascript:alert(1)>",
    "md-reference": "[click][1]\n\n[1]: javascript:alert(1)",
    "md-title-break": '[x](https://example.com "a\\" onmouseover=\\"alert(1)")',
    "md-raw-html": "Hello <b onclick=alert(1)>bold</b> and <span style='color:red'>red</span>",
    "md-code": "```html\n<script>alert(1)</script>\n```",
    "md-html-block": "<div>\n<script>alert(1)</script>\n</div>",
    # template injection
    **{f"template-{n}": payload for n, payload in enumerate(TEMPLATE_PAYLOADS)},
    # SQL probes
    "sql-or": "' OR '1'='1",
    "sql-drop": "'; DROP TABLE users; --",
    "sql-union": "%' AND 1=0 UNION SELECT login_name, password_hash FROM users --",
    "sql-sleep": "1; SELECT pg_sleep(5); --",
    "sql-double": '" OR 1=1 --',
    # Unicode trickery
    "bidi-override": "\u202eevil.exe\u202c txt.gpj",
    "bidi-isolates": "abc\u2066\u2067\u2068def\u2069",
    "zero-width": "ad\u200bmin\u200c\u200d\u2060\ufeff",
    "homoglyph": "\u0420\u0430ul \u0430dmin",  # Cyrillic "Ра" and "а"
    "zalgo": "Z\u0334\u0351a\u0337l\u0336g\u0338o\u0335",
    "separators": "one\u2028two\u2029three\u0085four",
    "emoji": "\U0001f92f\U0001f3f3\ufe0f\u200d\U0001f308 \U0001f9d1\u200d\U0001f91d\u200d\U0001f9d1",
    # line breaks that try to forge a log line, and other control characters
    "crlf": "line one\r\nline two\rline three\n2026-01-01 WARNING forum.security login_ok name='x'",
    "controls": "bell\x07 escape\x1b[31m red\x1b[0m backspace\x08",
    # oversized and pathological text
    "long-line": "A" * 5000,
    "deep-quotes": "> " * 300 + "deep",
    "many-brackets": "[" * 3000 + "x" + "]" * 3000,
    "many-stars": "*" * 5000,
    "many-lt": "<" * 3000,
}

# Things no page may contain, whatever was posted.
_BAD_TAGS = {"script", "style", "svg", "math", "iframe", "frame", "frameset", "object", "embed",
             "applet", "base", "noscript", "template", "xmp", "plaintext", "noembed", "img",
             "video", "audio", "source", "portal"}
_URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
              "background", "cite", "srcset", "ping", "manifest", "codebase"}
_BAD_SCHEMES = ("javascript:", "data:", "vbscript:", "file:", "blob:")
_SITE_SCHEMES = ("http:", "https:", "mailto:")
# Our own page furniture, allowed exactly as the templates write it.
_OWN_META = {("charset",), ("content", "name")}


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs_map = dict(attrs)
        if tag == "script":
            src = attrs_map.get("src") or ""
            if not src.startswith("/static/"):
                self.problems.append(f"<script> without our static src: {attrs!r}")
            self._in_script = True
        elif tag == "link":
            href = attrs_map.get("href") or ""
            if not href.startswith("/") or href.startswith("//"):
                self.problems.append(f"<link> to elsewhere: {attrs!r}")
        elif tag == "meta":
            if tuple(sorted(k for k, _ in attrs)) not in _OWN_META or "http-equiv" in attrs_map:
                self.problems.append(f"unexpected <meta>: {attrs!r}")
        elif tag in _BAD_TAGS:
            self.problems.append(f"<{tag}> element: {attrs!r}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name}={value!r} on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>: {value!r}")
            if name in _URL_ATTRS and value is not None:
                squashed = re.sub(r"[\x00-\x20\x7f]+", "", value).lower()
                if squashed.startswith(_BAD_SCHEMES):
                    self.problems.append(f"{name}={value!r} on <{tag}>")
                elif ":" in squashed.split("/", 1)[0] and not squashed.startswith(_SITE_SCHEMES):
                    self.problems.append(f"unexpected scheme {name}={value!r} on <{tag}>")
                elif squashed.startswith("//"):
                    self.problems.append(f"protocol-relative {name}={value!r} on <{tag}>")
                if name in ("action", "formaction") and squashed.startswith(("http:", "https:")):
                    self.problems.append(f"form posting elsewhere: {value!r}")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data[:80]!r}")
        self.text.append(data)


def check_inert(html: str) -> str:
    """Fail unless `html` is inert whatever was posted; return its visible text (unescaped)."""
    page = _Page()
    page.feed(html)
    page.close()
    raw = html.lower()
    # A parser may disagree with a browser; raw markup that never appears can't be parsed at all.
    for tag in ("<svg", "<math", "<style", "<iframe", "<object", "<embed", "<base", "<noscript",
                "<template", "<img"):
        if tag in raw:
            page.problems.append(f"raw {tag} in the page")
    if raw.count("<script") != raw.count('<script src="/static/'):
        page.problems.append("a <script> tag other than ours")
    assert not page.problems, "\n".join(page.problems)
    text = "".join(page.text)
    for marker in TEMPLATE_MARKERS:
        assert marker not in text, f"template output {marker!r} in the page"
    return text


def check_literal(text: str, payload: str) -> None:
    """Template syntax must show as typed: `{{7*7}}` stays `{{7*7}}`, and no 49 appears."""
    if payload == "{{7*7}}":
        assert "{{7*7}}" in text, "{{7*7}} did not show as typed"
        assert not re.search(r"(?<!\d)49(?!\d)", text), "49 in the page: a template ran"


# --- filling forms the way a browser does -----------------------------------------------

class _Forms(HTMLParser):
    """Every <form> on a page: its action and its fields (name, kind, value)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "fields": [], "maxlength": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            self._form["fields"].append((a["name"], kind, a.get("value") or "",
                                         "checked" in a))
            if a.get("maxlength", "").isdigit():
                self._form["maxlength"][a["name"]] = int(a["maxlength"])
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"].append((a["name"], "textarea", "", False))
            if a.get("maxlength", "").isdigit():
                self._form["maxlength"][a["name"]] = int(a["maxlength"])
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select:
            self._form["fields"].append((self._select, "option", a.get("value") or "", False))
            self._select = None  # the first option is the one a browser sends by default

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


TEXT_KINDS = {"text", "textarea", "search", "email", "url"}


def forms_on(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


# The bot gates' honeypot (forum/gates.py), which a person leaves empty.
HONEYPOT = "website"


def fill(form: dict, text: str, browser_like: bool = True, **fixed) -> dict:
    """The data a browser sends for `form` with every text field set to `text`.

    Like a browser, it cuts text to a field's maxlength (`browser_like=False` sends it whole,
    as a hostile client would).

    Hidden fields keep their values; check boxes stay as the page set them; a set of radio
    buttons sends the checked one, else the first; a select sends its first option; `fixed`
    overrides any field (a password, say, or a box to tick).
    """
    data: dict[str, list[str]] = {}
    first_choice: dict[str, str] = {}
    for name, kind, value, checked in form["fields"]:
        if name == HONEYPOT:
            continue  # off-screen and out of the tab order: a person never types in it
        if kind in TEXT_KINDS:
            limit = form["maxlength"].get(name) if browser_like else None
            data.setdefault(name, []).append(text[:limit] if limit else text)
        elif kind == "checkbox" and checked:
            data.setdefault(name, []).append(value or "y")
        elif kind == "radio":
            first_choice.setdefault(name, value)
            if checked:
                data[name] = [value]
        elif kind in ("hidden", "option", "number"):
            data.setdefault(name, []).append(value)
    for name, value in first_choice.items():
        data.setdefault(name, [value])  # a person answers a required choice
    for name, value in fixed.items():
        data[name] = value if isinstance(value, list) else [value]
    return data


def form_with(html: str, action_part: str) -> dict:
    """The form on the page whose action contains `action_part`, else the one that posts back
    to the page itself (no action)."""
    forms = forms_on(html)
    for form in forms:
        if action_part and action_part in form["action"]:
            return form
    for form in forms:
        if not form["action"]:
            return form
    raise AssertionError(f"no form posting to {action_part!r} on the page")


def text_fields(form: dict) -> list[str]:
    return [name for name, kind, _, _ in form["fields"] if kind in TEXT_KINDS]
