"""Citations themselves: an id that names no item of the sources is a violation. What a cited
claim says (figures, years, multipliers) is checked against the cited items by
`checks_numbers`; an employer named next to a citation of another employer's role is not (reports
legitimately contrast roles in one sentence, and the corpus showed it)."""

from __future__ import annotations

from vpr_jobs.fvs.claims import TextField
from vpr_jobs.fvs.result import _Collector
from vpr_jobs.fvs.sources import _Sources


def check_citations(tf: TextField, src: _Sources, out: _Collector) -> None:
    if not tf.citations or src.catalogue is None or src.facts is None:
        return
    for unknown in src.catalogue.unknown(list(tf.citations)):
        out.violation(
            "citation",
            tf.path,
            unknown,
            f"the claim cites {unknown!r}, which names no item of the CV, gap answers or posting",
            citation=unknown,
        )
