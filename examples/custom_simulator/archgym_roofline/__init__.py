"""A roofline model of a SIMD vector unit, as an ArchGym plugin."""

from archgym_roofline.simulator import VectorRoofline

__all__ = ["VectorRoofline"]
