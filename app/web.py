"""What every request and response share, whichever blueprint answers: the body size limit,
who may frame the app, and no cookie session.

The limit is MAX_CONTENT_LENGTH (settings.webhook_max_bytes, 5 MB). Werkzeug refuses a
Content-Length over it only when a view reads the body, and a chunked body (no
Content-Length) it silently cuts at the limit: the Shopify webhook then checked the HMAC of
a truncated body and answered 401. So every body is measured before any view or signature
check runs: a declared length over the limit is 413 at once; a chunked body is read from
the server's stream, at most limit + 1 bytes, 413 when there is more, else handed on to
the view as the buffered body it is.

Framing: a page embedded in the Shopify admin carries the CSP the shopifyapp package built
for it (frame-ancestors https://{shop} https://admin.shopify.com); every other response
(pages not embedded in Shopify, the proxy's pages, errors) may be framed by the app itself
only.

No cookie session: the admin authenticates with Shopify's session tokens and everything else
with signatures, so nothing is kept in Flask's signed cookie. Flask's default interface
still built its signer on every request (about 0.05 ms of a webhook's 1.1); here
`flask.session` is the null session, and writing to it fails instead of setting a cookie.
"""

from __future__ import annotations

import io

from flask import Flask, Response, abort, current_app, request
from flask.sessions import SessionInterface

READ_STEP = 64 * 1024
FRAME_SELF = "frame-ancestors 'self'"


def install(app: Flask) -> None:
    """Register both; `limit_body` must be the app's first before_request (it reads the
    raw stream, which no one may have touched yet)."""
    app.before_request_funcs.setdefault(None, []).insert(0, limit_body)
    app.after_request(frame_headers)
    app.session_interface = NoCookieSession()


class NoCookieSession(SessionInterface):
    """Every request gets Flask's null session; no Set-Cookie is ever written."""

    def open_session(self, app, request):
        return self.make_null_session(app)

    def save_session(self, app, session, response) -> None:
        return None


def larger_body(size: int):
    """Let one view take bodies up to `size` bytes instead of the app's limit (a campaign
    image: LINE takes 10 MB). Put it right under the route decorator."""

    def mark(view):
        view.max_body = size
        return view

    return mark


def limit_body() -> None:
    """413 for any body over the limit (the view's own, when it has one), declared or chunked."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "max_body", None):
        request.max_content_length = view.max_body
    limit = request.max_content_length
    if limit is None:
        return
    length = request.content_length
    if length is not None:
        if length > limit:
            abort(413)
        return
    environ = request.environ
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    # Without wsgi.input_terminated the server does not end the stream for us, and werkzeug
    # hands views an empty body anyway: nothing to measure, nothing to wait for.
    if not chunked or not environ.get("wsgi.input_terminated"):
        return
    stream, parts, size = environ["wsgi.input"], [], 0
    while size <= limit:
        part = stream.read(min(READ_STEP, limit + 1 - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    if size > limit:
        abort(413)
    # The view reads the same bytes through request.stream (still unread: it is built lazily).
    environ["wsgi.input"] = io.BytesIO(b"".join(parts))


def frame_headers(response: Response) -> Response:
    """frame-ancestors 'self' (and X-Frame-Options for older browsers) unless the response
    already says who may frame it: an embedded page's CSP names the shop and Shopify's admin."""
    policy = response.headers.get("Content-Security-Policy", "")
    if "frame-ancestors" in policy:
        return response
    response.headers["Content-Security-Policy"] = f"{policy.rstrip('; ')}; {FRAME_SELF}" if policy else FRAME_SELF
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
