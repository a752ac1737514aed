"""Ant colony optimisation over the design space's choices (NumPy only).

The trail is one pheromone vector per parameter, one entry per choice
(``tau[j][k]`` for value index ``k`` of parameter ``j``). Each ant builds a design:

* it starts from the best design so far and re-chooses ``depth`` parameters picked at random
  (``depth=0`` — the default — or ``depth >= #parameters``: it builds every parameter);
* for each parameter it re-chooses, with probability ``greediness`` it takes the choice with
  the strongest trail (exploitation), otherwise it draws a choice with probability
  proportional to ``tau ** alpha`` (exploration);
* an ant whose design was already evaluated re-draws random choices until it is new.

After a colony of ``ants`` is evaluated the trail evaporates (``tau *= 1 - evaporation``) and
the best half of the colony deposits pheromone on its choices, rank-weighted
(``deposit · (m − r) / m`` for rank ``r`` of ``m`` depositors), plus ``deposit`` on the choices
of the best design so far (elitist ant). The trail is kept within
``[initial_pheromone / 100, 100 · initial_pheromone]`` (MAX–MIN ant system) so no choice is
ever impossible. Only ranks are used: the reward's scale does not matter.

Pheromone respects order (``pheromone="ordered"``, the default): a deposit on value ``k`` of an
ordered parameter (integer, power of two, ordinal, gridded real) also lands on its neighbours,
weighted ``exp(−(c − c_k)² / (2 w²))`` with ``w = spread ×`` the parameter's coordinate range (the
BO agent's coordinates: log2 for a wide integer range such as 1–128), so a good value raises the
trail of nearby values too. Categorical parameters get deposits on the chosen value only, as
every parameter does with ``pheromone="categorical"`` (the behaviour before ordered spreading).
"""

from __future__ import annotations

import numpy as np

from archgym.agents.base import HyperParameter
from archgym.agents.generational import FITNESS_HYPERPARAMETERS, GenerationalAgent, OrderedMoves

__all__ = ["AntColony"]


class AntColony(GenerationalAgent):
    """Rank-based, elitist MAX–MIN ant system over per-parameter choices.

    Hyper-parameters:
        ants: designs per colony (ArchGym swept 2-64).
        evaporation: fraction of pheromone lost per colony (ArchGym swept 0.1-1).
        greediness: probability an ant takes the strongest trail (ArchGym swept 0-1).
        initial_pheromone: starting trail on every choice.
        depth: parameters an ant re-chooses from the best design so far (0 = all; ArchGym 2-16).
        alpha: exponent of the trail in the choice probabilities.
        deposit: pheromone the best ant deposits per colony.
        pheromone: ``"ordered"`` (deposits spread to neighbouring values) or ``"categorical"``.
        spread: width of the ordered spreading kernel, as a fraction of the range.
    """

    name = "aco"
    hyperparameters = (
        HyperParameter("ants", int, 8, "designs per colony", low=1, high=4096),
        HyperParameter("evaporation", float, 0.2, "fraction of pheromone lost per colony", low=0.0, high=1.0),
        HyperParameter("greediness", float, 0.2, "probability an ant takes the strongest trail", low=0.0, high=1.0),
        HyperParameter("initial_pheromone", float, 1.0, "starting trail on every choice", low=1e-9),
        HyperParameter("depth", int, 0, "parameters re-chosen from the best design so far (0 = all)", low=0),
        HyperParameter("alpha", float, 1.0, "exponent of the trail in the choice probabilities", low=0.0, high=10.0),
        HyperParameter("deposit", float, 1.0, "pheromone the best ant deposits per colony", low=0.0),
        HyperParameter(
            "pheromone", str, "ordered", "deposits on ordered parameters spread to neighbouring values, or not",
            choices=("ordered", "categorical"),
        ),
        HyperParameter("spread", float, 0.1, "ordered spreading kernel width as a fraction of the range", low=0.0, high=10.0),
        *FITNESS_HYPERPARAMETERS,
    )

    def _start(self) -> None:
        t0 = float(self.params["initial_pheromone"])
        self._tau_min, self._tau_max = t0 / 100.0, t0 * 100.0
        # one padded matrix (d, max choices); entries past nvec[j] are masked out.
        width = int(self._nvec.max())
        self._valid = np.arange(width)[None, :] < self._nvec[:, None]
        self.tau = np.where(self._valid, t0, 0.0)
        if self.params["pheromone"] == "ordered":
            assert self.space is not None
            self._moves = OrderedMoves(self.space)
            self._move_scale = max(float(self.params["spread"]), 0.05)

    def _generation_size(self) -> int:
        return int(self.params["ants"])

    def _first_generation(self) -> np.ndarray:
        return self._construct(int(self.params["ants"]))

    def _construct(self, n: int) -> np.ndarray:
        """``n`` ants' designs from the current trail, shape ``(n, d)``."""
        p = self.params
        d = len(self._nvec)
        weights = np.where(self._valid, self.tau ** p["alpha"], 0.0)
        cum = np.cumsum(weights, axis=1)
        u = self.rng.random((n, d)) * cum[:, -1]
        drawn = np.empty((n, d), dtype=np.int64)
        for j in range(d):
            drawn[:, j] = np.searchsorted(cum[j], u[:, j], side="right")
        drawn = np.minimum(drawn, self._nvec - 1)
        greedy_choice = np.argmax(np.where(self._valid, self.tau, -np.inf), axis=1)
        greedy = self.rng.random((n, d)) < p["greediness"]
        built = np.where(greedy, greedy_choice[None, :], drawn)
        depth = int(p["depth"])
        best = self.best_known()
        if depth and depth < d and best is not None:
            start = np.tile(np.asarray(best[0], dtype=np.int64), (n, 1))
            keys = self.rng.random((n, d))
            chosen = np.argsort(keys, axis=1)[:, :depth]
            mask = np.zeros((n, d), dtype=bool)
            np.put_along_axis(mask, chosen, True, axis=1)
            built = np.where(mask, built, start)
        return built

    def _next_generation(self, members: np.ndarray, feasible: np.ndarray, reward: np.ndarray) -> np.ndarray:
        p = self.params
        self.tau *= 1.0 - p["evaporation"]
        order = self.rank(feasible, reward)
        m = max(1, (len(members) + 1) // 2)
        for r, i in enumerate(order[:m]):
            self._lay(members[i], p["deposit"] * (m - r) / m)
        best = self.best_known()
        if best is not None:
            self._lay(np.asarray(best[0]), p["deposit"])
        self.tau = np.where(self._valid, np.clip(self.tau, self._tau_min, self._tau_max), 0.0)
        return self._construct(int(p["ants"]))

    def _lay(self, member: np.ndarray, amount: float) -> None:
        """Deposit ``amount`` on ``member``'s choices (index vector ``(d,)``), spread on ordered ones."""
        rows = np.arange(len(self._nvec))
        if self._moves is None:
            self.tau[rows, member] += amount
            return
        width = float(self.params["spread"])
        for j in rows:
            k = int(member[j])
            if self._moves.ordered[j]:
                self.tau[j, : self._nvec[j]] += amount * self._moves.kernel(int(j), k, width)
            else:
                self.tau[j, k] += amount
