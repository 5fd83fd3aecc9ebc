"""Where photographs come from: Flet's file picker, limited to images, with the bytes in memory only.

Web mode: ``pick_files(with_data=True)`` makes the browser read the chosen file and send its bytes over the
session's WebSocket, straight into memory; no ``upload_dir`` and no upload URL, so no plaintext copy is ever written
on the server's disk (Flet writes files only for ``FilePicker.upload``, which this app never calls).
Desktop mode: the picker gives the path of the user's own file; ``PhotoStore.add_photo`` reads it (size first).
Either way the bytes go into the vault and nowhere else.

A file too big for one WebSocket message (uvicorn's 16 MiB, as Flet starts it) makes the server drop the
connection; the browser reconnects to the same session and the pick's answer never comes. So a pick also ends when
the page reconnects meanwhile, with a message instead of a file, and the next pick uses a new picker service.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

import flet as ft

from fieldapp.state.photo import EXTENSIONS, LOST_MESSAGE, NOT_OPENED_MESSAGE, PickedFile


class PhotoSource(Protocol):
    """Something that lets the user choose one photograph; None when they cancel."""

    async def pick(self) -> PickedFile | None: ...


class FletPhotoPicker:
    """One ``ft.FilePicker`` service per rendered form, created in the first click's page context."""

    def __init__(self) -> None:
        self._picker: ft.FilePicker | None = None

    async def pick(self) -> PickedFile | None:
        page = ft.context.page
        if self._picker is None:
            # Constructing a service inside an event handler registers it with that handler's page; this object
            # keeps it referenced (Flet unregisters services nobody holds).
            self._picker = ft.FilePicker()
        web = bool(page.web)
        picking = asyncio.ensure_future(
            self._picker.pick_files(
                dialog_title="Add photograph",
                file_type=ft.FilePickerFileType.CUSTOM,
                allowed_extensions=sorted(EXTENSIONS),
                allow_multiple=False,
                with_data=web,
            )
        )
        reconnected = asyncio.Event()
        previous: Any = page.on_connect  # the shell's: keep it working while we listen too

        def on_connect(e: Any) -> None:
            reconnected.set()
            if previous is not None:
                previous(e)

        page.on_connect = on_connect
        lost = asyncio.ensure_future(reconnected.wait())
        try:
            await asyncio.wait({picking, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            page.on_connect = previous
            lost.cancel()
        if not picking.done():
            picking.cancel()
            # The reconnected client no longer answers for this picker (Flet 1.0.5 times out "waiting for invoke
            # method listener"): the next pick registers a fresh one.
            self._picker = None
            return PickedFile(name="", size=0, error=LOST_MESSAGE)
        try:
            files = picking.result()
        except (RuntimeError, TimeoutError):
            self._picker = None
            return PickedFile(name="", size=0, error=NOT_OPENED_MESSAGE)
        if not files:
            return None
        chosen = files[0]
        return PickedFile(
            name=chosen.name, size=int(chosen.size or 0), data=chosen.bytes, path=None if web else chosen.path
        )
