"""The schemathesis phase: schemathesis's own checks run against the Custom Object endpoints.

:func:`run_schemathesis` loads the OpenAPI document of the five custom_object operations
(specialised with one type's schemas when a :class:`~contract.discovery.TypeContract` is
given) into schemathesis, draws its cases through schemathesis's public strategies and
state machine, sends each through a session of the phase's own (every request passes the
run's guard as it is sent, every answer is read within the run's bounds), and collects
what schemathesis's checks report as :class:`SchemathesisFinding` values, each with the
request and the answer its check judged. Valid data is drawn from a variant of the document
that holds only text every server keeps as sent (``positive_document``). It
authenticates as the run's client does (Basic or Bearer); :data:`OnCreated` hands each
instance it creates to the caller's cleanup (without one, the phase deletes them itself)
and :data:`OnResponse` shows each answer it got.
Schemathesis is imported inside the function, so ``import contract`` stays light.

```python
result = run_schemathesis(base_url, api_key, auth_scheme="bearer", type_contract=tc,
                          lead_id=lead, references={"user": [user_id], "contact": contacts},
                          on_created=lambda i: ledger.add("custom_object", i))
for finding in result.findings:
    print(finding.check, finding.operation, finding.title)
```
"""

from __future__ import annotations

from contract.schemathesis_phase._case import schemathesis_case
from contract.schemathesis_phase._config import DEFAULT_CHECKS, EXCLUDED_CHECKS
from contract.schemathesis_phase._document import specialise_for_schemathesis
from contract.schemathesis_phase._phase import SchemathesisResult, run_schemathesis
from contract.schemathesis_phase._tally import OnCreated, OnResponse, SchemathesisFinding

__all__ = [
    "DEFAULT_CHECKS",
    "EXCLUDED_CHECKS",
    "OnCreated",
    "OnResponse",
    "SchemathesisFinding",
    "SchemathesisResult",
    "run_schemathesis",
    "schemathesis_case",
    "specialise_for_schemathesis",
]
