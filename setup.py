"""Package discovery for the folder-per-layer layout; all metadata lives in setup.cfg.

``package_dir`` in setup.cfg maps the top-level folders (``envs/``, ``simulators/`` ...) into
the ``archgym`` namespace. setuptools' ``find:`` cannot follow that mapping, so the package
list is computed here from every folder below a mapped one that holds an ``__init__.py``.
"""

import configparser
from pathlib import Path

from setuptools import setup

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


setup(packages=_packages(_package_dir()))
