"""Package discovery for the folder-per-layer layout, and the compiled DRAM kernel; metadata lives in setup.cfg.

``package_dir`` in setup.cfg maps the top-level folders (``envs/``, ``simulators/`` ...) into
the ``archgym`` namespace. setuptools' ``find:`` cannot follow that mapping, so the package
list is computed here from every folder below a mapped one that holds an ``__init__.py``.

The DRAM simulator's cycle loop is plain C (``simulators/dram/dram_engine.c``, no Python API),
built here as the shared library ``archgym/simulators/dram/_dram_engine*.so`` and loaded with
ctypes (``archgym.simulators.dram.native``, which also compiles it on first use if it is
missing). The flags must keep IEEE arithmetic exact: no ``-ffast-math``, no FMA contraction.
"""

import configparser
import hashlib
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).parent


def _package_dir() -> dict[str, str]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    lines = cfg["options"]["package_dir"].strip().splitlines()
    return dict((part.strip() for part in line.split("=", 1)) for line in lines if "=" in line)


def _packages(package_dir: dict[str, str]) -> list[str]:
    found = []
    for package, folder in package_dir.items():
        base = ROOT / folder
        for init in sorted(base.rglob("__init__.py")):
            rel = init.parent.relative_to(base)
            if any(part.startswith((".", "__")) for part in rel.parts):
                continue
            found.append(".".join([package, *rel.parts]))
    return sorted(set(found))


class BuildKernel(build_ext):
    """Name the kernel ``_dram_engine.kernel<EXT_SUFFIX>``: it is a ctypes library, not a Python module,
    and the inner dot keeps ``pkgutil.walk_packages`` (and so ``import``-all tools) from listing it."""

    def get_ext_filename(self, fullname: str) -> str:
        name = super().get_ext_filename(fullname)
        if fullname.rpartition(".")[2] == "_dram_engine":
            stem, _, suffix = name.partition("_dram_engine")
            name = f"{stem}_dram_engine.kernel{suffix}"
        return name


KERNEL_SOURCE = "simulators/dram/dram_engine.c"
KERNEL_HASH = hashlib.sha256((ROOT / KERNEL_SOURCE).read_bytes()).hexdigest()[:16]  # as native.source_hash
DRAM_KERNEL = Extension(
    "archgym.simulators.dram._dram_engine",
    sources=[KERNEL_SOURCE],
    extra_compile_args=["-std=c99", "-O2", "-ffp-contract=off"],  # as native.CFLAGS
    # which source the library was built from (native.py compares it with the source beside it)
    define_macros=[("ARCHGYM_DRAM_SOURCE", f'"{KERNEL_HASH}"')],
    libraries=["m"],
)

setup(packages=_packages(_package_dir()), ext_modules=[DRAM_KERNEL], cmdclass={"build_ext": BuildKernel})
