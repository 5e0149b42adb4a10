"""What the live server is still doing when a browser test ends.

A page that saves on its own (attendance autosave, survey answers, the offline queue's replay)
can still be posting when the test's last line has run. The test database is then flushed
under that request: on PostgreSQL the flush deadlocks or leaves its rows for the next test; on
SQLite in memory the request shares the test's connection. So every e2e test ends by waiting
until the live server has no request and no connection left (`wait_until_idle`), and fails,
naming the request, when that takes longer than `IDLE_TIMEOUT`.

Two counts, because each alone has a gap: a request is counted from the WSGI call until its
response is closed (this names it), and a connection from its accept until its thread is done
(this covers the bytes the browser sent just before its context closed, which the server has
not started to handle yet). Used only by the tests (`tests/e2e/conftest.py`).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

IDLE_TIMEOUT = 15.0  # seconds; an autosave on a loaded CI machine takes well under that


class _Tracked:
    """The response body, ending the request's count when the server closes it (after the last
    byte, or on a broken connection: wsgiref closes the result either way)."""

    def __init__(self, result: Iterable[bytes], done: Callable[[], None]) -> None:
        self._result = result
        self._done = done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._result)

    def close(self) -> None:
        try:
            close = getattr(self._result, "close", None)
            if close is not None:
                close()  # Django's response.close(): request_finished, connections tidied
        finally:
            self._done()


class InFlight:
    """Counts the live server's requests and connections (installed once per test session)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._requests: dict[int, tuple[str, float]] = {}
        self._connections = 0

    def install(self, live_server: Any) -> None:
        httpd = live_server.thread.httpd
        app = httpd.get_app()
        httpd.set_app(self._wrap(app))
        # ThreadingMixIn starts each connection's thread with `self.process_request_thread`:
        # an instance attribute of the same name is what it finds.
        handle = httpd.process_request_thread

        def counted(request: Any, client_address: Any) -> None:
            with self._lock:
                self._connections += 1
            try:
                handle(request, client_address)
            finally:
                with self._lock:
                    self._connections -= 1

        httpd.process_request_thread = counted

    def _wrap(self, app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        def tracked(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            query = environ.get("QUERY_STRING")
            name = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}" + (
                f"?{query}" if query else ""
            )
            key = next(self._ids)
            with self._lock:
                self._requests[key] = (name, time.monotonic())

            def done() -> None:
                with self._lock:
                    self._requests.pop(key, None)

            try:
                result = app(environ, start_response)
            except BaseException:
                done()
                raise
            return _Tracked(result, done)

        return tracked

    def running(self) -> list[str]:
        """The requests being handled now, each with how long it has run."""
        now = time.monotonic()
        with self._lock:
            return [f"{name} ({now - started:.1f} s)" for name, started in self._requests.values()]

    def busy(self) -> bool:
        with self._lock:
            return bool(self._requests) or self._connections > 0

    def wait_until_idle(self, timeout: float = IDLE_TIMEOUT) -> None:
        """Return once no request is handled and no connection is open; fail the test after
        `timeout` seconds, naming what is still running."""
        deadline = time.monotonic() + timeout
        while self.busy():
            if time.monotonic() >= deadline:
                running = self.running()
                with self._lock:
                    connections = self._connections
                what = (
                    ", ".join(running)
                    if running
                    else f"{connections} open connection(s), no request read yet (a browser context left open?)"
                )
                pytest.fail(
                    f"The live server was still handling a request {timeout:g} s after the test "
                    f"ended: {what}. Wait in the test for what the page sends (e.g. its save "
                    f"state) before the test returns; the test database is flushed next.",
                    pytrace=False,
                )
            time.sleep(0.01)
