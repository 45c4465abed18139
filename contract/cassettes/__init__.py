"""Recordings: a run's interactions as a vcrpy cassette, the corpus of its cases, and
offline replay of both.

- :func:`recording` yields a :class:`Recorder` whose transport the run's client sends
  through: every interaction is recorded into ``DIR/cassette.yaml`` (vcrpy's format, its
  keys scrubbed) as the client read it, within the client's own bounds;
- :func:`replay_transport` is an httpx transport that answers each request from
  ``DIR/cassette.yaml`` (read with vcrpy's persister and serializer), each recorded
  interaction once and in order, without opening a connection;
- :func:`load_corpus` reads ``DIR/corpus.json``: the cases a replay executes again;
- :class:`PersonalData` replaces personal data in answers (``me/``'s names, emails and
  phones; those of leads and contacts the run did not make) with deterministic stand-ins
  (:func:`stand_in`): recordings are scrubbed with it unless the run keeps personal data,
  and reports use it too.

Each file is read only when it is a regular file of a bounded size
(:func:`contract.baseline.read_file_bytes`, which baselines are read with too).

Only vcrpy's and httpx's public API is used: nothing is patched, to record or to replay.
"""

from __future__ import annotations

from contract.cassettes._corpus import CASSETTE_FILE, CORPUS_FILE, Corpus, Drawn, load_corpus
from contract.cassettes._personal import PersonalData, stand_in
from contract.cassettes._recording import CUT_HEADER, Recorder, recording, recording_files
from contract.cassettes._replay import replay_transport

__all__ = [
    "CASSETTE_FILE",
    "CORPUS_FILE",
    "CUT_HEADER",
    "Corpus",
    "Drawn",
    "PersonalData",
    "Recorder",
    "load_corpus",
    "recording",
    "recording_files",
    "replay_transport",
    "stand_in",
]
