"""Random walk: uniform samples from the design space, no design proposed twice in a run."""

from __future__ import annotations

import numpy as np

from archgym.agents.base import Agent, HyperParameter
from archgym.space import Design, ParameterSpace

__all__ = ["RandomWalk"]

#: spaces up to this many designs are enumerated and permuted instead of rejection-sampled
_ENUMERATE_BELOW = 200_000


class RandomWalk(Agent):
    """Uniform random sampling without repetition (the baseline every agent must beat).

    Hyper-parameters:
        feasible_only: redraw designs that violate a constraint of the design space.
    """

    name = "random"
    hyperparameters = (
        HyperParameter("feasible_only", bool, False, "redraw designs violating a design-space constraint"),
    )

    def _setup(self, space: ParameterSpace, rng: np.random.Generator) -> None:
        self._seen: set[tuple] = set()
        self._order: np.ndarray | None = None
        self._pos = 0
        if space.size is not None and space.size <= _ENUMERATE_BELOW:
            self._order = rng.permutation(space.size)

    def _propose(self, n: int) -> list[Design]:
        assert self.space is not None
        space = self.space
        out: list[Design] = []
        if self._order is not None:
            while len(out) < n and self._pos < len(self._order):
                flat = int(self._order[self._pos])
                self._pos += 1
                design = space.decode(np.array(np.unravel_index(flat, tuple(space.nvec))))
                if self.params["feasible_only"] and not space.is_feasible(design):
                    continue
                out.append(design)
            if not out:  # exhausted: the loop stops on the cache
                out.append(space.decode(np.zeros(len(space), dtype=np.int64)))
            return out
        tries = 0
        while len(out) < n and tries < 100 * n:
            tries += 1
            design = space.sample(self.rng, 1, feasible_only=self.params["feasible_only"])[0]
            key = tuple(design[k] for k in space.names)
            if key in self._seen:
                continue
            self._seen.add(key)
            out.append(design)
        return out or space.sample(self.rng, 1)
