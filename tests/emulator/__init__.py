"""Tests of `contract.emulator`, the local stand-in for Close."""
