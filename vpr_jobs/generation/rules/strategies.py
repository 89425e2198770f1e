"""Gap strategies and talking points: what a coach would prepare the candidate for.

Gaps come in the order a recruiter raises them: the hard questions the sources raise (a step
up to management or seniority, a career change, a break between roles), then requirements
with no evidence or a gap the candidate's own answer confirms, then partial ones, then
responsibilities and nice-to-haves. Each names the nearest transferable evidence and cites it.
Talking points are STAR prompts built on the stories the evidence matrix cites.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from vpr_jobs.generation.rules.evidence import Budget, Item, clip, opening, plain
from vpr_jobs.generation.rules.matching import Match
from vpr_jobs.generation.rules.retrieval import Retriever
from vpr_jobs.generation.rules.scoring import Fit, latest_role
from vpr_jobs.generation.rules.text import RELATED, keys
from vpr_jobs.generation.rules.writer import Writer
from vpr_jobs.periods import months_between
from vpr_jobs.schemas import CV, CitedText, GapStrategy, JobPosting

BREAK_MONTHS = 6  # a pause between roles a recruiter will ask about
_BREAK_WORDS = frozenset(keys("break gap pause career break sabbatical הפסקה פער"))
_QUOTED = frozenset({"achievement", "description", "summary", "gap"})
_MANAGE_BRIDGE = frozenset({"@manage", "@mentor", "@lead", "@ld"})


class Strategist:
    def __init__(
        self,
        cv: CV,
        posting: JobPosting,
        items: Sequence[Item],
        budget: Budget,
        write: Writer,
    ) -> None:
        self.cv, self.posting, self.items = cv, posting, list(items)
        self.cv_items = [i for i in items if i.source == "cv"]
        self.retriever = Retriever(self.cv_items)
        self.budget, self.write = budget, write

    # ----------------------------------------------------------------------- bridges

    def _bridge(self, wanted: dict[str, float], exclude: Sequence[Item] = ()) -> list[Item]:
        """The nearest transferable CV evidence: same terms first, then related concepts."""
        near = {k: 0.8 for key in wanted for k in RELATED.get(key, ())}
        found = self.retriever.candidates({**near, **wanted})
        narrative = [c.item for c in found if c.item.kind in ("achievement", "description")]
        listed = [c.item for c in found if c.item.kind in ("skill", "tool")]
        return [i for i in [*narrative[:1], *listed[:2]] if i not in exclude]

    def _show(self, bridge: Sequence[Item]) -> str:
        """Bridge evidence as the report shows it: a quote while the budget allows."""
        shown = []
        for item in bridge:
            if item.kind in _QUOTED:
                if self.budget.ok(item.fact):
                    self.budget.take(item.fact)
                    shown.append(f'"{clip(item.fact, 160)}"')
                else:
                    shown.append(f'"{opening(item.fact)}"')
            else:
                shown.append(item.fact)
        return self.write.join(list(dict.fromkeys(shown)))

    def _skills(self, bridge: Sequence[Item]) -> list[str]:
        return [i.fact for i in bridge if i.kind in ("skill", "tool")]

    # ----------------------------------------------------------------------- strategies

    def strategies(
        self, rows: Sequence[Match], extras: Sequence[Match], fit: Fit
    ) -> list[GapStrategy]:
        out = self._hard_questions(fit)
        weak = [m for m in rows if m.alignment is None or m.denied_by is not None]
        partial = [m for m in rows if m.alignment == "DEVELOPING" and m.denied_by is None]
        ordered = sorted(weak, key=lambda m: m.line.kind != "requirement") + sorted(
            partial, key=lambda m: m.line.kind != "requirement"
        )
        out += [self._for_row(m) for m in ordered]
        for match in extras:
            if match.alignment is None or match.denied_by is not None:
                bridge = self._bridge(match.wanted)
                out.append(
                    GapStrategy(
                        gap=match.requirement,
                        mitigation=self.write("mit_nice", req=opening(match.requirement)),
                        transferable_skills=self._skills(bridge),
                        gap_id=match.line.id,
                        evidence_ids=_ids(bridge),
                    )
                )
        return out

    def _for_row(self, match: Match) -> GapStrategy:
        write, req = self.write, opening(match.requirement)
        bridge = self._bridge(match.wanted, exclude=match.items)
        if match.denied_by is not None:
            bridge = [i for i in match.items if i.source == "cv"] + bridge
            shown = self._show(bridge[:2])
            if self.budget.ok(match.denied_by.fact):
                self.budget.take(match.denied_by.fact)
                answer = clip(match.denied_by.fact, 160)
                template = "mit_denied" if shown else "mit_denied_plain"
                mitigation = write(template, answer=answer, bridge=shown)
            elif shown:
                mitigation = write("mit_denied_ref", bridge=shown)
            else:
                mitigation = write("mit_none", req=req)
            cited = [match.denied_by, *bridge[:2]]
        elif match.alignment == "DEVELOPING" and match.items:
            mitigation = write("mit_developing", bridge=self._show(match.items[:1]), req=req)
            cited = [*match.items, *bridge]
        elif bridge:
            mitigation = write("mit_related", req=req, bridge=self._show(bridge))
            cited = bridge
        else:
            mitigation = write("mit_none", req=req)
            cited = []
        return GapStrategy(
            gap=match.requirement,
            mitigation=mitigation,
            transferable_skills=self._skills(bridge),
            gap_id=match.line.id,
            evidence_ids=_ids(cited),
        )

    def _hard_questions(self, fit: Fit) -> list[GapStrategy]:
        out = []
        latest = latest_role(self.cv)
        if latest is not None:
            names = {"role": plain(latest.role), "target_role": plain(self.posting.role_title)}
            if fit.manager_step:
                bridge = self._bridge(dict.fromkeys(_MANAGE_BRIDGE, 1.0))
                shown = self._show(bridge[:2]) or plain(latest.role)
                out.append(self._hard("hard_manager", names, shown, bridge))
            elif fit.level_step:
                bridge = self._bridge(dict.fromkeys(keys(self.posting.role_title), 1.0))
                shown = self._show(bridge[:1]) or plain(latest.role)
                out.append(self._hard("hard_step", names, shown, bridge))
            if fit.career_change:
                bridge = self._bridge(_all_wanted(self.posting))
                shown = self._show(bridge[:2]) or plain(latest.role)
                out.append(self._hard("hard_change", names, shown, bridge))
        out += self._breaks()
        return out

    def _hard(self, key: str, names: dict[str, str], shown: str, bridge: list[Item]) -> GapStrategy:
        latest = latest_role(self.cv)
        role_id = [f"cv.exp.{self.cv.experience.index(latest) + 1}"] if latest else []
        return GapStrategy(
            gap=self.write(key, **names),
            mitigation=self.write(f"{key}_mit", bridge=shown),
            transferable_skills=self._skills(bridge),
            gap_id="post.role",
            evidence_ids=list(dict.fromkeys(role_id + _ids(bridge)))[:12],
        )

    def _breaks(self) -> list[GapStrategy]:
        """A pause of months between two dated roles, with the answer that explains it."""
        roles = sorted(
            ((i, e) for i, e in enumerate(self.cv.experience, 1) if e.end_date or e.current),
            key=lambda pair: pair[1].start_date,
        )
        answers = [i for i in self.items if i.kind == "gap" and i.topic & _BREAK_WORDS]
        out = []
        for (before_id, before), (after_id, after) in pairwise(roles):
            if not before.end_date:
                continue
            pause = months_between(before.end_date, after.start_date)
            if pause < BREAK_MONTHS:
                continue
            ids = [f"cv.exp.{before_id}", f"cv.exp.{after_id}"]
            label = self.write("hard_break", end=before.end_date, start=after.start_date)
            answer = answers[0] if answers else None
            if answer is not None and self.budget.ok(answer.fact):
                self.budget.take(answer.fact)
                mitigation = self.write("hard_break_mit", answer=clip(answer.fact, 160))
                ids += answer.ids
            else:
                mitigation = self.write("hard_break_plain")
            out.append(GapStrategy(gap=label, mitigation=mitigation, evidence_ids=ids))
            break
        return out

    # ----------------------------------------------------------------------- talking points

    def stories(self, rows: Sequence[Match]) -> list[CitedText]:
        """Up to three STAR prompts on the stories the matrix cites, strongest first. A story
        already quoted twice is named by its opening words, not quoted a third time."""
        picked = [
            (m, item)
            for m in rows
            if m.alignment in ("STRONG", "MODERATE") and m.denied_by is None
            for item in m.items[:1]
            if item.kind in ("achievement", "description")
        ]
        picked.sort(key=lambda s: (s[0].alignment != "STRONG", not s[1].quantified))
        out: list[CitedText] = []
        used: set[int] = set()
        for match, item in picked:
            if len(out) >= 3 or item.order in used:
                continue
            used.add(item.order)
            if self.budget.ok(item.fact):
                self.budget.take(item.fact)
                fact = clip(item.fact, 200)
            else:
                fact = opening(item.fact)
            req = opening(match.requirement)
            text = self.write("tp_star", len(out), req=req, fact=fact)
            out.append(CitedText(text=text, evidence_ids=[match.line.id, *item.ids][:12]))
        return out

    def talking_points(
        self, stories: Sequence[CitedText], gaps: Sequence[GapStrategy]
    ) -> list[CitedText]:
        """5-7 points: the STAR stories, the hardest gaps, then questions to ask."""
        write, points = self.write, list(stories)

        def add(text: str, ids: Sequence[str]) -> None:
            if text not in {p.text for p in points}:
                points.append(CitedText(text=text, evidence_ids=list(dict.fromkeys(ids))[:12]))

        for gap in gaps[:2]:
            add(
                write("tp_gap", gap=opening(gap.gap)),
                [i for i in [gap.gap_id, *gap.evidence_ids] if i],
            )
        names = {
            "target_role": plain(self.posting.role_title),
            "target_company": plain(self.posting.company_name),
        }
        for n in range(1, 6):
            if len(points) >= 7 or (len(points) >= 5 and n >= 3):
                break
            add(write(f"tp_fallback_{n}", **names), ["post.role"])
        return points[:7]


def _ids(items: Sequence[Item]) -> list[str]:
    return list(dict.fromkeys(i for item in items for i in item.ids))[:12]


def _all_wanted(posting: JobPosting) -> dict[str, float]:
    from vpr_jobs.generation.rules.text import requirement_keys

    wanted: dict[str, float] = {}
    for line in [*posting.requirements, *posting.responsibilities]:
        for key, weight in requirement_keys(line).items():
            wanted[key] = max(wanted.get(key, 0.0), weight)
    return wanted
