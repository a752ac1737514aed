"""IDD-based DRAM energy in the manner of DRAMPower (the model DRAMSys reports).

Per device and voltage domain, with currents in mA, voltages in V, cycles of ``tCK`` ns, so
each term is mA · V · ns = pJ::

    activate    nACT  · tRAS        · (IDD0 − IDD3N)
    precharge   nPRE  · (tRC − tRAS) · (IDD0 − IDD2N)      (PREA counts each open bank)
    read/write  nRD   · BL/dataRate · (IDD4R − IDD3N),  nWR · BL/dataRate · (IDD4W − IDD3N)
    refresh     nREF  · tRFC        · (IDD5 − IDD3N),  nREFPB · tRFCpb · max(IDD5B − IDD3N, 0)
    background  active cycles · IDD3N + precharged cycles · IDD2N
    power-down  active-PD cycles · IDD3P(1) + precharged-PD cycles · IDD2P(1)

"Active cycles" are those in which at least one bank of the rank is open, outside power-down.
Two-domain devices (LPDDR4: VDD1/VDD2; DDR4: VDD/VPP) add the same terms with the domain-2
currents (the memspec names with a trailing ``2``: ``idd02``, ``idd3n2`` …; absent ones are 0).
The sum is multiplied by the devices per rank (``nbrOfDevicesOnDIMM``). I/O and termination
energy are left out, as in DRAMSys's default DRAMPower call.
"""

from __future__ import annotations

from collections.abc import Mapping

from .config import MemSpec

COMPONENTS = ("act_pj", "pre_pj", "read_pj", "write_pj", "refresh_pj", "act_standby_pj", "pre_standby_pj",
              "act_powerdown_pj", "pre_powerdown_pj")


def _current(power: Mapping[str, float], names: tuple[str, ...], domain2: bool) -> float:
    for name in names:
        key = name + "2" if domain2 else name
        if key in power:
            return power[key]
    return 0.0


def energy_components(
    spec: MemSpec,
    timing: Mapping[str, int],
    counts: Mapping[str, int],
    total_cycles: int,
) -> dict[str, float]:
    """Energy per component in pJ for the whole rank set.

    Args:
        spec: the device (currents, voltages, devices per rank, clock).
        timing: normalised timings in cycles (``RAS``, ``RC``, ``RFC``, ``RFCPB``, ``BURST``).
        counts: ``act``, ``pre``, ``rd``, ``wr``, ``ref``, ``refpb`` command counts and
            ``open_cycles``, ``act_pd_cycles``, ``pre_pd_cycles`` summed over ranks.
        total_cycles: simulated cycles (background is counted over ``ranks × total_cycles``).

    Returns:
        ``{component: pJ}`` with the keys of :data:`COMPONENTS`.
    """
    p = spec.power
    tck = spec.tck_ns
    out = dict.fromkeys(COMPONENTS, 0.0)
    act_cycles = counts["open_cycles"] - counts["act_pd_cycles"]
    pre_cycles = spec.ranks * total_cycles - counts["open_cycles"] - counts["pre_pd_cycles"]
    domains = [(p["vdd"], False)]
    if "vdd2" in p:
        domains.append((p["vdd2"], True))
    for vdd, d2 in domains:
        def i(*names: str, _d2: bool = d2) -> float:
            return _current(p, names, _d2)

        scale = vdd * tck * spec.devices
        idd0, idd2n, idd3n = i("idd0"), i("idd2n"), i("idd3n")
        out["act_pj"] += counts["act"] * timing["RAS"] * (idd0 - idd3n) * scale
        out["pre_pj"] += counts["pre"] * (timing["RC"] - timing["RAS"]) * (idd0 - idd2n) * scale
        out["read_pj"] += counts["rd"] * timing["BURST"] * (i("idd4r") - idd3n) * scale
        out["write_pj"] += counts["wr"] * timing["BURST"] * (i("idd4w") - idd3n) * scale
        out["refresh_pj"] += counts["ref"] * timing["RFC"] * (i("idd5") - idd3n) * scale
        out["refresh_pj"] += counts["refpb"] * timing["RFCPB"] * max(i("idd5b") - idd3n, 0.0) * scale
        out["act_standby_pj"] += act_cycles * idd3n * scale
        out["pre_standby_pj"] += pre_cycles * idd2n * scale
        out["act_powerdown_pj"] += counts["act_pd_cycles"] * i("idd3p1", "idd3p") * scale
        out["pre_powerdown_pj"] += counts["pre_pd_cycles"] * i("idd2p1", "idd2p") * scale
    return out
