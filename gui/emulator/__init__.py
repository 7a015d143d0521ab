"""A local Event Manager emulator: real HTTP on loopback (powers --demo and the tests)."""

from gui.emulator.server import Emulator, EmulatorState

__all__ = ["Emulator", "EmulatorState"]
