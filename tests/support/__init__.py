"""Helpers the tests share: running the product, hand-made exchanges, planted data."""
