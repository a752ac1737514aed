"""Subcommands of the ``archgym`` program, one module each (see :mod:`archgym.cli`).

A module provides ``add_parser(subparsers)``, which registers its parser with
``set_defaults(func=run)``; heavy imports happen inside ``run``.
"""
