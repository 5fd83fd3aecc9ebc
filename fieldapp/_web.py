"""Serve the app to a browser: on 127.0.0.1 only, behind the launch secret (``_gate``).

Flet's own web server binds whatever ``host`` says, and with no display and no host it serves on 0.0.0.0:8000 (every
interface). So the app never lets Flet serve: it takes Flet's ASGI app (``ft.run(export_asgi_app=True)``), wraps it
in the ``Gate`` and runs uvicorn on a socket it has bound to loopback itself. The link with the secret is printed
(and, when asked, handed to the user's browser) once the socket listens.
"""

from __future__ import annotations

import os
import socket
import sys
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Final, TextIO

import flet as ft
import uvicorn

from fieldapp._gate import Gate, LaunchSecret

LOOPBACK: Final = "127.0.0.1"


def bind_loopback(port: int) -> socket.socket:
    """A listening TCP socket on 127.0.0.1 (``port`` 0: any free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if os.name != "nt":  # on Windows SO_REUSEADDR would let another program take the port over
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def announce(link: str, out: TextIO) -> None:
    """Tell the user where the app is, in plain words (the link is the key: it is printed, never logged)."""
    print("MASH Field is running on this computer only. Open it from this link:", file=out)
    print(f"    {link}", file=out)
    print("The link is the key to this session and changes every time the app starts: do not share it.", file=out)
    print("Press Ctrl-C here to stop the app.", file=out, flush=True)


def serve_web(
    main: ft.AppCallable,
    *,
    port: int,
    assets_dir: Path,
    open_browser: bool,
    out: TextIO | None = None,
    opener: Callable[[str], bool] = webbrowser.open,
) -> None:
    """Serve ``main`` on 127.0.0.1:``port`` behind a fresh launch secret until stopped (Ctrl-C or SIGTERM)."""
    out = out if out is not None else sys.stdout
    try:
        sock = bind_loopback(port)
    except OSError:
        raise SystemExit(
            f"Port {port} on this computer is taken or not allowed. Choose another with --port, or leave --port out "
            "for any free port."
        ) from None
    bound = int(sock.getsockname()[1])
    gate = Gate(ft.run(main, export_asgi_app=True, assets_dir=str(assets_dir), no_cdn=True), LaunchSecret.new(), bound)
    config = uvicorn.Config(gate, log_level="warning", ws="websockets-sansio", lifespan="on")
    announce(gate.link(), out)  # the socket listens already: a browser that is quick only waits for the loop
    if open_browser and not _open(opener, gate.link()):
        print("No web browser could be opened here: open the link above yourself.", file=out, flush=True)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def _open(opener: Callable[[str], bool], link: str) -> bool:
    try:
        return bool(opener(link))
    except Exception:  # webbrowser raises webbrowser.Error or OSError when nothing can be started
        return False
