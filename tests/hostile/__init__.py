"""A hostile server in front of the emulator: every run through it keeps the safety promises."""
