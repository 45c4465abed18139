"""A ready-made pytest suite: ``pytest --pyargs contract.suite [--close-base-url URL]``.

The contract runs once per session, also under pytest-xdist (``-n N``: one worker runs it,
the others read its result); each test item reports one part of it, so a JUnit report
(``--junitxml``) reads as a contract report.
"""

__all__: list[str] = []
