"""What makes a cache the plugin's own: a secret key of this user on this machine, kept outside
every project; the MACs made with it; and the marks of a directory the plugin made.

A checked-out repository can carry a cache (committed, in a tarball, in a CI artifact), and
every key the cache uses (paths, content hashes) is something anyone can compute. So what the
store reads must carry a MAC made with a key the repository cannot know: a cache written
elsewhere, or forged, is rebuilt. Nothing here imports flake8 or speaks SQL.
"""

from __future__ import annotations

import functools
import os
from stat import S_ISDIR, S_ISREG
from typing import Iterable, Union

from flake8_ssot.digests import blake2b
from flake8_ssot.files import read_file

try:
    from _operator import _compare_digest as compare_digest  # what hmac.compare_digest is
except ImportError:  # another interpreter
    from hmac import compare_digest

_KEY_HEX_CHARACTERS = 64  # 32 random bytes
# The MAC of a row: keyed BLAKE2b (a MAC by design, and built into CPython: hmac would load
# OpenSSL, see digests.py), 16 bytes as hex: a forgery needs the key, not luck.
_MAC_BYTES = 16

Part = Union[str, int, bytes, None]

# The files that say "flake8-ssot made this directory": its own marker, or (a directory made
# by an earlier version) the CACHEDIR.TAG it wrote. Only a directory marked so, or an empty
# one, is ever written in, and nothing is deleted anywhere else.
MARKER = "flake8-ssot.marker"
MARKER_TEXT = ("This directory is flake8-ssot's cache: flake8-ssot creates, rewrites and deletes"
               " files here.\nDelete the directory to clear the cache.\n")
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by flake8-ssot.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


class UntrustedError(OSError):
    """The key cannot be had, or a directory is not the plugin's: the cache stays off."""


def key_path() -> str:
    """Where this user's key lives: ``$XDG_CACHE_HOME/flake8-ssot/key`` (``~/.cache``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "flake8-ssot", "key")


def user_key() -> bytes:
    """This user's secret key, made on first use (0600, in a 0700 directory)."""
    return _user_key(key_path())


@functools.lru_cache(maxsize=4)  # read once per process; a forked --jobs worker inherits it
def _user_key(path: str) -> bytes:
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        temporary = f"{path}.{os.getpid()}.new"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                             | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(os.urandom(_KEY_HEX_CHARACTERS // 2).hex())
            try:  # never replaces a key another process made meanwhile: its rows stay valid
                os.link(temporary, path)
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links
                if not os.path.lexists(path):
                    os.replace(temporary, path)
        finally:
            if os.path.lexists(temporary):
                os.remove(temporary)
    except OSError as error:
        raise UntrustedError(f"cannot make the key {path}: {error.strerror or error}") from None
    return _read_key(path)


def _read_key(path: str) -> bytes:
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                         | getattr(os, "O_NONBLOCK", 0))
    try:
        stat = os.fstat(descriptor)
        text = os.read(descriptor, _KEY_HEX_CHARACTERS + 1)
    finally:
        os.close(descriptor)
    owner = getattr(os, "geteuid", None)
    if not S_ISREG(stat.st_mode) or (owner is not None and (
            stat.st_uid != owner() or stat.st_mode & 0o077)):
        raise UntrustedError(f"the key {path} is not a private file of this user "
                             f"(it must be yours, mode 0600)")
    try:
        key = bytes.fromhex(text.decode("ascii"))
    except ValueError:
        key = b""
    if len(text) != _KEY_HEX_CHARACTERS or len(key) != _KEY_HEX_CHARACTERS // 2:
        raise UntrustedError(f"the key {path} is damaged; delete it (every cache is rebuilt)")
    return key


def derived_key(key: bytes, purpose: str) -> bytes:
    """A key for one use (one database): a MAC made for one is worthless in another."""
    return blake2b(purpose.encode("utf-8"), key=key, digest_size=32).digest()


def mac(key: bytes, parts: Iterable[Part]) -> str:
    """The MAC of a sequence of values, each told apart by its type and length."""
    chunks = []
    for part in parts:
        if part is None:
            data = b"n"
        elif type(part) is int:
            data = b"i%d" % part
        elif type(part) is bytes:
            data = b"b" + part
        elif type(part) is str:
            data = b"s" + part.encode("utf-8", "surrogatepass")
        else:  # a float, a bool: what this module never writes, so never valid
            data = b"?" + repr(part).encode("utf-8", "backslashreplace")
        chunks.append(b"%d:" % len(data))
        chunks.append(data)
    return blake2b(b"".join(chunks), key=key, digest_size=_MAC_BYTES).hexdigest()


def is_valid(key: bytes, parts: Iterable[Part], claimed) -> bool:
    return type(claimed) is str and compare_digest(mac(key, parts), claimed)


# -- the cache directory ------------------------------------------------------------------------

def claim_directory(directory: str) -> None:
    """Make *directory* the plugin's (created if missing) or prove it is; UntrustedError for a
    directory with files in it and no mark of the plugin (``ssot-cache-dir = ../app``), a
    symbolic link, or anything that is not a directory."""
    if os.path.islink(directory):
        raise UntrustedError(f"{directory} is a symbolic link; not writing through it")
    try:
        os.mkdir(directory)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(directory, exist_ok=True)
    stat = os.lstat(directory)
    if not S_ISDIR(stat.st_mode):
        raise UntrustedError(f"{directory} is not a directory")
    marker = os.path.join(directory, MARKER)
    # One listing answers both questions, so a concurrent worker that claims the directory
    # between two looks (its marker first, then its files) is never taken for a stranger.
    with os.scandir(directory) as entries:
        found = {entry.name: entry for entry in entries}
    if MARKER in found:
        if found[MARKER].is_symlink():
            raise UntrustedError(f"{marker} is a symbolic link; not writing through it")
        if not found[MARKER].is_file(follow_symlinks=False):
            raise UntrustedError(f"{marker} is not a regular file; not writing there")
        return
    # Empty, or made by an earlier version (its CACHEDIR.TAG names flake8-ssot).
    if found and not _tag_is_ours(os.path.join(directory, "CACHEDIR.TAG")):
        raise UntrustedError(
            f"{directory} is not flake8-ssot's cache directory (it holds other files, and no "
            f"{MARKER}); not writing or deleting anything there: choose an empty or new "
            f"directory for ssot-cache-dir")
    try:
        descriptor = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                             | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(MARKER_TEXT)


def _tag_is_ours(path: str) -> bool:
    if os.path.islink(path):
        return False
    try:
        return read_file(path).data == CACHEDIR_TAG.encode("utf-8")
    except (OSError, ValueError):
        return False
