"""Running the emulator: on loopback under uvicorn, in a background thread or in the foreground."""

from __future__ import annotations

import threading
import time
from types import TracebackType

import uvicorn

from .app import EmulatorState, build_app

DEFAULT_API_KEY = "emulator-key"  # any key is accepted unless the emulator is given one


class EmulatorServer:
    """A real HTTP server on 127.0.0.1 serving the emulator.

    .. code-block:: python

        with EmulatorServer() as emulator:
            client = LabelboxClient(api_key="anything", endpoint=emulator.graphql_url)
    """

    def __init__(self, state: EmulatorState | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state or EmulatorState()
        self.host = host
        config = uvicorn.Config(build_app(self.state), host=host, port=port, log_level="warning",
                                lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self.port = port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def start(self, timeout: float = 20.0) -> EmulatorServer:
        self._thread = threading.Thread(target=self._server.run, name="labelbox-emulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the Labelbox emulator did not start")
            time.sleep(0.02)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.state.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def wait(self) -> None:
        """Block until the server stops (the ``lb-export emulator`` command). Ctrl-C and SIGTERM are
        raised here, in the main thread."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(0.5)
