"""The offline "rules" generator: a deterministic, extractive, cited VPR built without a model.

It is free and instant, so it is the preview every user sees first and the grounding of the
Claude generator (`build_evidence_matrix`). Everything it writes is a fixed sentence template
(templates_en.py, templates_he.py) or text quoted verbatim from the CV, the gap answers or the
posting, and every row, strength, gap strategy and talking point cites the catalogue ids
(vpr_jobs/catalogue.py) it rests on. It never computes a number into prose.

Modules: text (tokens, stems, concepts), evidence (catalogue items, the quote budget),
retrieval (BM25 ranking), matching (the evidence matrix), answers (gap answers that deny or
narrow a line), years (years asked vs role dates), scoring (fit score and rationale), sections
and strategies (the narrative), writer (templates and grammatical gender), quality (measures
shared by the tests and bench/report_quality.py), generator.
"""

from __future__ import annotations

from vpr_jobs.generation.rules.generator import RulesGenerator, analyse, build_evidence_matrix
from vpr_jobs.generation.rules.writer import TEMPLATES, infer_gender

__all__ = ["TEMPLATES", "RulesGenerator", "analyse", "build_evidence_matrix", "infer_gender"]
