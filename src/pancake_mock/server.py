"""The listening socket and uvicorn around the app.

The CLI binds the socket first, so a taken port fails before anything is written or announced;
uvicorn (one process, or its multiprocess supervisor for --workers N) serves on that socket.
The HTTP protocol is uvicorn's httptools one with the two header limits uvicorn lacks
(Kludex/uvicorn#157): a cap on the request line plus headers, and a deadline for them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import socket

import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from .domain import errors
from .wire.envelope import error_body

APP = "pancake_mock.app:create_app"
MAX_HEADER_BYTES = 32 * 1024  # request line and headers; a signed call sends under 2 KiB
LINGER = 1.0  # seconds a refused connection stays half-open, so the client reads the 431

log = logging.getLogger("pancake_mock")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port; OSError (taken port, unknown address) for the caller to report."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: TIME_WAIT is no conflict
        sock.bind((host, port))
        sock.listen(2048)  # from here on connections queue until the app is loaded, none is refused
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def outward_address() -> str | None:
    """The address other machines most likely reach this one at: the source of the default route."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # UDP connect only picks a route; nothing is sent
            return probe.getsockname()[0]
        except OSError:
            return None


class HeaderLimitedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing oversized headers (431) and closing slow ones.

    A request's header phase runs from the connection (or the end of the previous request) to the
    end of its headers. Its bytes are counted before the parser buffers them, so a huge header costs
    at most MAX_HEADER_BYTES; its deadline starts at connect or at the request's first byte, so idle
    keep-alive connections stay governed by uvicorn's keep-alive timeout alone.
    """

    def __init__(self, *args, header_timeout: float, max_header_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self.max_header_bytes = max_header_bytes
        self.reading_headers = True
        self.header_bytes = 0
        self.header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self.reading_headers:
            super().data_received(data)
            return
        room = self.max_header_bytes - self.header_bytes
        if room < 0:  # refused already: this was in flight before reading paused
            return
        self.header_bytes += len(data)
        if len(data) <= room:
            super().data_received(data)
            return
        if room:
            super().data_received(data[:room])
            if self.transport.is_closing():  # the parser refused the request already
                return
            if not self.reading_headers:  # the headers ended in time; the rest is body or the next request
                self.data_received(data[room:])
                return
        self._refuse_headers()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.header_deadline is None:
            self._arm_header_deadline()

    def on_headers_complete(self) -> None:
        self.reading_headers = False
        self._disarm_header_deadline()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.reading_headers, self.header_bytes = True, 0

    def _arm_header_deadline(self) -> None:
        self.header_deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm_header_deadline(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _headers_too_slow(self) -> None:
        self.header_deadline = None
        if not self.transport.is_closing():
            log.info("closed a connection whose request headers took over %ss", self.header_timeout)
            self.transport.close()

    def _refuse_headers(self) -> None:
        self._disarm_header_deadline()
        if self.cycle is not None and not self.cycle.response_complete:
            self.transport.close()  # a pipelined request behind a running response: no room for a 431
            return
        body = error_body(errors.HEADERS_TOO_LARGE.error())
        self.transport.write(b"".join([
            STATUS_LINE[431],
            b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(body),
            body,
        ]))
        # Closing with unread input would reset the connection and could drop the 431 in flight:
        # send it and FIN, read nothing more, and close once the client had time to read it.
        self.transport.write_eof()
        self.transport.pause_reading()
        self.loop.call_later(LINGER, self.transport.close)


def serve(sock: socket.socket, *, workers: int, header_timeout: float, log_level: str, access_log: bool) -> int:
    """Serve the app on `sock` until a signal stops it; the exit status."""
    config = uvicorn.Config(
        APP,
        factory=True,
        workers=workers,
        http=functools.partial(HeaderLimitedProtocol, header_timeout=header_timeout,
                               max_header_bytes=MAX_HEADER_BYTES),  # type: ignore[arg-type]
        proxy_headers=False,  # the client address is the TCP peer: the control plane's guard relies on it
        # The app is built, and the webhook sender started, at startup: a failure there ends the start
        # loudly, where uvicorn's "auto" would log it as an unsupported lifespan and serve 500s.
        lifespan="on",
        ws="none",  # the mock serves no websockets: their protocol modules stay unimported
        log_level=log_level,
        access_log=access_log,
    )
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
        return 0
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    return 0 if server.started else 3  # uvicorn's STARTUP_FAILURE
