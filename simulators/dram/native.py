"""Find (or, as a fallback, build) the compiled DRAM kernel ``dram_engine.c`` and load it with ctypes.

The kernel is plain C99 with no Python API. ``pip install`` (normal or editable) compiles it as
``_dram_engine.kernel<EXT_SUFFIX>`` beside this file (see ``setup.py``), and it is loaded from
there. If that library is missing (sources copied without installing), the first
simulation compiles ``dram_engine.c`` with ``$CC`` (default ``cc``) into
``$ARCHGYM_CACHE_DIR/dram/`` (default ``~/.cache/archgym/dram/``), under a file lock so that
parallel workers compile it once; the file name carries a hash of the source and the flags, so
an edited source never loads a stale library. Without a compiler the call fails with a one-line
error saying how to build the kernel. The library records the hash of the source it was built
from; if ``dram_engine.c`` beside it differs (edited after ``pip install -e .``), the current
source is compiled into the cache and used instead, with a warning.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import importlib.machinery
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

__all__ = ["CFLAGS", "Kernel", "KernelBuildError", "SOURCE", "build", "load"]

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "dram_engine.c"
#: the library's stem as setup.py builds it (``<stem><EXT_SUFFIX>`` beside this file; not an importable name)
EXTENSION = "_dram_engine.kernel"
#: exact IEEE arithmetic (no FMA contraction, no fast-math): the results must not depend on the compiler
CFLAGS = ("-std=c99", "-O2", "-ffp-contract=off", "-fPIC")
_SYMBOL = "archgym_dram_simulate"


class KernelBuildError(RuntimeError):
    """The compiled DRAM kernel is missing and could not be built."""


@dataclass(frozen=True)
class Kernel:
    """The loaded kernel: ``function`` is ``archgym_dram_simulate``; ``backend`` says where it came from."""

    function: ctypes._CFuncPtr  # type: ignore[name-defined]
    backend: str  # "extension" (built by pip install) or "cache" (compiled on first use)
    path: Path


def _installed() -> Path | None:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = HERE / f"{EXTENSION}{suffix}"
        if path.is_file():
            return path
    return None


def _cache_dir() -> Path:
    from archgym.baseline_cache import cache_dir

    return cache_dir() / "dram"


def _compiler() -> list[str]:
    import shlex

    return shlex.split(os.environ.get("CC") or "cc")


def _tag(source: bytes) -> str:
    ident = b"\0".join([source, " ".join(CFLAGS).encode(), " ".join(_compiler()).encode(), sys.platform.encode()])
    return hashlib.sha256(ident).hexdigest()[:16]


def source_hash(source: bytes) -> str:
    """What a build of ``source`` reports from ``archgym_dram_source()`` (as setup.py defines it)."""
    return hashlib.sha256(source).hexdigest()[:16]


def build(cache: Path | None = None) -> Path:
    """Compile ``dram_engine.c`` into ``cache`` (default: the ArchGym cache) unless already there.

    Returns:
        The path of the shared library.

    Raises:
        KernelBuildError: no compiler, or the compiler failed (one line, with how to build instead).
    """
    import subprocess  # only for the fallback: kept off the start-up path
    import tempfile

    cache = Path(cache) if cache is not None else _cache_dir()
    source = SOURCE.read_bytes()
    target = cache / f"dram_engine-{_tag(source)}.so"
    if target.is_file():
        return target
    try:
        cache.mkdir(parents=True, exist_ok=True)
        lock = open(cache / ".dram_engine.lock", "w")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise KernelBuildError(
            f"the compiled DRAM kernel is missing and the cache folder {cache} is not writable ({exc.strerror}); "
            f"set ARCHGYM_CACHE_DIR to a writable folder or reinstall archgym (`pip install -e .` builds it)"
        ) from None
    with lock:
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)  # parallel workers: one compiles, the others wait
        except ImportError:  # no flock (Windows): each compiles to its own file, the rename is atomic
            pass
        if target.is_file():
            return target
        fd, tmp = tempfile.mkstemp(prefix=".dram_engine-", suffix=".so", dir=cache)
        os.close(fd)
        define = f'-DARCHGYM_DRAM_SOURCE="{source_hash(source)}"'
        cmd = [*_compiler(), *CFLAGS, define, "-shared", str(SOURCE), "-o", tmp, "-lm"]
        logger.info("compiling the DRAM kernel: %s", " ".join(cmd))
        try:
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True)
            except OSError as exc:
                raise KernelBuildError(
                    f"the compiled DRAM kernel is missing and {cmd[0]!r} cannot run ({exc.strerror}); install a C "
                    f"compiler or reinstall archgym (`pip install -e .` builds it)"
                ) from None
            if proc.returncode != 0:
                lines = proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"]
                first = next((line for line in lines if "error" in line), lines[-1])
                raise KernelBuildError(f"compiling the DRAM kernel with {cmd[0]!r} failed: {first.strip()}")
            os.replace(tmp, target)
        finally:  # a failed or interrupted compile leaves no half-built library
            if os.path.exists(tmp):
                os.unlink(tmp)
    return target


def _built_from(lib: ctypes.CDLL) -> str:
    fn = lib.archgym_dram_source
    fn.argtypes, fn.restype = [], ctypes.c_char_p
    return fn().decode()


def _bind(path: Path, backend: str) -> Kernel:
    lib = ctypes.CDLL(str(path))
    if backend == "extension" and SOURCE.is_file():
        built, now = _built_from(lib), source_hash(SOURCE.read_bytes())
        if built != now:
            logger.warning("%s was built from another dram_engine.c (%s, the source is %s); compiling the source "
                           "into the cache instead (`pip install -e .` rebuilds the installed library)", path, built, now)
            return _bind(build(), "cache")
    fn = getattr(lib, _SYMBOL)
    ptr, i64 = ctypes.c_void_p, ctypes.c_int64
    # n, arr, is_wr, rank, bank, bg, row, addr, P, C, log_cap, player_cycles, resp, K, iv, iv_cap, log
    fn.argtypes = [i64, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, ptr, i64, ctypes.c_double, ptr, ptr, ptr, i64, ptr]
    fn.restype = i64
    return Kernel(fn, backend, path)


@functools.cache
def load() -> Kernel:
    """The kernel, loaded once per process: the installed extension, else the cached (or newly compiled) build."""
    path = _installed()
    if path is not None:
        return _bind(path, "extension")
    logger.info("the DRAM kernel extension is not built beside %s; using the compile cache", HERE)
    return _bind(build(), "cache")
