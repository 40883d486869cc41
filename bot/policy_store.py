"""The policy library in force for a running bot.

Loaded once when the application is built and reloaded when `hrbot policies import` has
installed a newer file, so a running bot answers with what is in force without a restart; a bad
file is never loaded (PolicyStore validates before it swaps).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from bot.settings import Settings
from policies.library import DEFAULT_DIRECTORY, PolicyFileError, PolicyLibrary, PolicyStore

log = logging.getLogger(__name__)


def policy_directory(settings: Settings) -> Path:
    """`[policies] directory`, or the files shipped in policies/data when empty."""
    configured = settings.policies.directory.strip()
    return Path(configured) if configured else DEFAULT_DIRECTORY


class WatchedPolicyStore(PolicyStore):
    """A PolicyStore that picks up files changed on disk (by `hrbot policies import`)."""

    def __init__(self, directory: Path) -> None:
        super().__init__(PolicyStore.load(directory).library, directory)
        self._stamp = self._fingerprint()

    def _fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        """(name, mtime, size) of every *.toml: read on every update that asks for the
        library, so one directory scan and one stat() a file (pathlib's glob and two stat()s
        each cost more)."""
        assert self.directory is not None
        with os.scandir(self.directory) as entries:
            found = sorted((e.name, e.stat()) for e in entries if e.name.endswith(".toml"))
        return tuple((name, stat.st_mtime_ns, stat.st_size) for name, stat in found)

    @property
    def library(self) -> PolicyLibrary:
        """The library in force, reloaded first if the directory changed and is valid."""
        return self.current()

    def current(self) -> PolicyLibrary:
        stamp = self._fingerprint()
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                assert self.directory is not None
                self.replace_from(self.directory)
                log.info("policy library reloaded from %s", self.directory)
            except PolicyFileError as error:
                log.error("policy files changed but are invalid, keeping those in force: %s",
                          error)
        return self._library


def load_policy_store(settings: Settings) -> WatchedPolicyStore:
    return WatchedPolicyStore(policy_directory(settings))
