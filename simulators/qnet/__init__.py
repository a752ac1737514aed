"""QNetSched: QoS-aware entanglement-delivery scheduling in a multi-user quantum network.

See :mod:`archgym.simulators.qnet.simulator` for the problem card and ``docs/qnet.md`` for a
guide. Modules: :mod:`.werner` (fidelity algebra), :mod:`.topology`, :mod:`.links`,
:mod:`.protocol` and :mod:`.synthesis` (repeater protocols), :mod:`.task` (binding to qubits and
slots), :mod:`.schedulers`, :mod:`.verify`, :mod:`.controller` (admission), :mod:`.demands`,
:mod:`.workload`, :mod:`.replay` and :mod:`.stochastic` (execution with decoherence).
"""

from archgym.simulators.qnet.simulator import QNetSimulator

__all__ = ["QNetSimulator"]
