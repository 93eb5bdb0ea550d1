"""The control module's benchmarks (`fangkong bench control …`), from its areas."""

from fangkong.control.care.benchmarks import BENCHMARKS

__all__ = ["BENCHMARKS"]
