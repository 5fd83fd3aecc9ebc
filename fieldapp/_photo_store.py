"""Photographs for the form's attachment field, stored in the vault and nowhere else.

``state/photo.py`` decides what may be stored (type by content, size, the field's value); this module reads a
picked file and puts its bytes in the vault while it is unlocked.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

from fieldapp._vault_keeper import VaultKeeper
from fieldapp.state.photo import MAX_PHOTO_BYTES, PhotoOutcome, PickedFile, check_photo, check_size, photo_value
from sync import VaultError


class PhotoStore:
    def __init__(self, keeper: VaultKeeper) -> None:
        self._keeper = keeper

    def add_photo(self, case_id: UUID, picked: PickedFile) -> PhotoOutcome:
        """Check a picked photograph and store it in the vault (never anywhere else); the field's value or why not.

        Web mode hands over the bytes; desktop mode a path to the user's own file, whose size is checked before a
        byte is read. The blob is tied to the case's record so the hub files it with the case (the sync engine
        uploads it after the records).
        """
        repo = self._keeper.repo
        if repo is None:
            return PhotoOutcome(message="The app is locked. Unlock it and add the photograph again.")
        data = picked.data
        if data is None:
            data, message = _read_picked(picked)
            if data is None:
                return PhotoOutcome(message=message)
        checked = check_photo(picked.name, data)
        if checked.value is None:
            return checked
        media_type = str(checked.value["media_type"])
        try:
            sha = repo.put_attachment(data, media_type, record_id=case_id)
        except VaultError as exc:  # RecordError (too large) included
            return PhotoOutcome(message=f"The photograph could not be stored: {exc}")
        return PhotoOutcome(value=photo_value(sha, str(checked.value["name"]), media_type, len(data)))

    def photo_data(self, sha256: str) -> bytes | None:
        """A stored photograph's bytes (for the preview), or None if it is not in this vault."""
        repo = self._keeper.repo
        if repo is None:
            return None
        found = repo.get_attachment(sha256)
        return None if found is None else found.data

    def discard_photo(self, sha256: str) -> bool:
        """Delete a photograph the user removed (replaced, or its item removed), unless it went up already or
        another answer still names it (``Repository.discard_attachment``)."""
        repo, vault = self._keeper.repo, self._keeper.vault
        if repo is None or vault is None or not vault.is_unlocked:
            return False
        return repo.discard_attachment(sha256)


def _read_picked(picked: PickedFile) -> tuple[bytes | None, str]:
    """Desktop: read the user's own file from its path, after checking its size (never more than the limit + 1)."""
    if not picked.path:
        return None, "The photograph could not be read. Try again."
    path = Path(picked.path)
    try:
        message = check_size(path.stat().st_size)
        if message:
            return None, message
        with path.open("rb") as fh:
            data = fh.read(MAX_PHOTO_BYTES + 1)
    except OSError:
        return None, "That file could not be read. Choose another photograph."
    return data, ""
