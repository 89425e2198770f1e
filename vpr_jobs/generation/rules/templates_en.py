"""English sentence templates: every sentence the generator writes itself.

Placeholders are filled only with text quoted from the CV, the gap answers or the posting,
never with computed values. Rows rotate between variants (`key.2`, `key.3`) so no sentence of
a report reads the same three times.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "where": "{role} at {company}",
    "dates_range": "{start} to {end}",
    "dates_since": "since {start}",
    "dates_from": "from {start}",
    "ev_quote": '"{text}" ({where})',
    "ev_role": "{where} ({dates})",
    "ev_skills": "Skills listed in the CV: {items}",
    "ev_tools": "Tools used in past roles: {items}",
    "ev_tool": "{tool} ({where})",
    "ev_cert": "Certification: {text}",
    "ev_education": "Education: {text}",
    "ev_summary": 'Professional summary: "{text}"',
    "ev_languages": "Languages: {items}",
    "ev_gap": 'Candidate\'s answer to "{question}": "{answer}"',
    "ev_answer": 'In the candidate\'s own words: "{answer}"',
    "ev_none": "The CV shows no direct evidence for this requirement.",
    "cert_issuer": "{name}, {issuer}",
    "degree_field": "{degree} in {field}",
    # Why the evidence fits: the shared terms are quoted from the posting line.
    "why_result": "A measured result that shows {terms} in practice, as {where}.",
    "why_result.2": "Shows {terms} with a measurable outcome, as {where}.",
    "why_result.3": "Hands-on proof of {terms}, with the result stated, as {where}.",
    "why_story": "Shows {terms} in practice, as {where}.",
    "why_story.2": "Day-to-day work on {terms}, as {where}.",
    "why_story.3": "Direct experience of {terms}, as {where}.",
    "why_list": "The CV names {terms}; an example from a past role will make it concrete.",
    "why_list.2": "Listed in the CV ({terms}); back it with a story in the interview.",
    "why_list.3": "Stated in the CV for {terms}; a concrete example will carry it.",
    "why_formal": "Formal grounding in {terms}.",
    "why_summary": "Claimed in the candidate's own summary for {terms}; an example will prove it.",
    "why_moderate": 'Covers {terms}, though not all of "{req}"; the remaining distance is short.',
    "why_moderate.2": 'Related to "{req}" through {terms}; close, not yet identical.',
    "why_moderate.3": 'Overlaps with "{req}" on {terms}; say how it carries over.',
    "why_developing": (
        'Touches "{req}" only partly ({terms}): a development area to address openly.'
    ),
    "why_developing.2": 'Only a partial fit for "{req}" ({terms}); name the plan to close it.',
    "why_none": 'Nothing in the CV or the answers addresses "{req}" yet; see the gap strategies.',
    "why_gap": 'The candidate\'s own answer supplies this for "{req}"; an interview example will '
    "make it credible.",
    "why_denied": 'The candidate\'s own answer says "{req}" is not yet in place, so this is a '
    "development area, not a strength.",
    "why_years_strong": 'The dates of these roles in the CV meet "{req}".',
    "why_years_moderate": 'The dates of these roles in the CV come close to "{req}".',
    "why_years_developing": 'The dates of these roles in the CV cover part of "{req}".',
    # Executive summary and fit rationale.
    "sum_current": (
        "{name} is currently {role} at {company} and is applying for the {target_role} role at "
        "{target_company}."
    ),
    "sum_past": (
        "{name} most recently worked as {role} at {company} and is applying for the "
        "{target_role} role at {target_company}."
    ),
    "sum_no_experience": "{name} is applying for the {target_role} role at {target_company}.",
    "sum_results": 'Strongest results: "{first}" and "{second}".',
    "sum_result": 'Strongest result: "{first}".',
    "sum_summary": 'In the candidate\'s own words: "{text}".',
    "sum_gap": 'The first question to prepare for: "{gap}".',
    "fit_high": "Most requirements are backed by direct evidence",
    "fit_mid": "Several requirements are backed directly and others through related experience",
    "fit_low": "Few requirements are backed by the CV",
    "fit_none": "The CV shows little evidence for this posting",
    "fit_manager": "lowered for the step from {role} to {target_role} without people-management "
    "evidence",
    "fit_step": "lowered for the step from {role} to {target_role}",
    "fit_denied": "lowered where the candidate's own answers confirm a gap",
    "fit_change": "a career change carried by transferable evidence",
    "fit_sep": "; ",
    "fit_end": ".",
    # Differentiators.
    "diff_achievement": 'Proven result as {where}: "{text}".',
    "diff_cert": "Holds a certification: {text}.",
    "diff_education": "Education: {text}.",
    "diff_skills": "Brings skills the posting asks for: {items}.",
    "diff_skills_plain": "Skills include {items}.",
    "diff_languages": "Speaks {items}.",
    "diff_role": "Hands-on experience as {where}.",
    "diff_summary": 'In the candidate\'s own summary: "{text}".',
    "diff_gap": 'In the candidate\'s own words: "{text}".',
    "diff_neutral_1": (
        "Every claim in this report is traceable to the CV or the candidate's answers."
    ),
    "diff_neutral_2": "Open about development areas, with a plan to close each of them.",
    "diff_neutral_3": "Ready to back each requirement with a concrete example.",
    # Gap strategies.
    "mit_denied": (
        'Say it plainly, as your answer does ("{answer}"), then bridge to {bridge} and name '
        "the next step you are taking."
    ),
    "mit_denied_plain": (
        'Say it plainly, as your answer does ("{answer}"), and name the next step you are taking.'
    ),
    "mit_denied_ref": (
        "Say it plainly, as your gap answer does, then bridge to {bridge} and name the next "
        "step you are taking."
    ),
    "mit_related": (
        'Acknowledge "{req}" openly, point to {bridge} as the nearest evidence and name a '
        "concrete first step (a course, a side project or ramp-up on the job)."
    ),
    "mit_none": (
        'Acknowledge "{req}" openly and present a concrete plan to build it, with an example of '
        "learning a new area fast."
    ),
    "mit_developing": (
        'Start from {bridge}, then explain the steps taken or planned to deepen "{req}".'
    ),
    "mit_nice": 'A nice-to-have: mention interest in "{req}" and any related exposure, without '
    "overstating it.",
    "hard_manager": "Step from {role} to {target_role}",
    "hard_manager_mit": (
        "Expect to be asked how you would lead without having had direct reports. Script: "
        "name the people you have already "
        "guided ({bridge}), what changed for them, and how you would run the team in the first "
        "months."
    ),
    "hard_step": "Step from {role} to {target_role}",
    "hard_step_mit": (
        "Expect to be asked for proof that you already work at that level. Script: pick the "
        "work whose scope "
        "went beyond your own team ({bridge}) and describe the decisions you owned."
    ),
    "hard_change": "Career change from {role} to {target_role}",
    "hard_change_mit": (
        "Expect to be asked why you are switching, and why now. Script: a short sentence on the "
        "move, then the "
        "transferable results ({bridge}) and what you did to prepare."
    ),
    "hard_break": "Break between {end} and {start}",
    "hard_break_mit": (
        "Expect a question about the break. Script: state it briefly, as your answer "
        'does ("{answer}"), then move to what you bring now.'
    ),
    "hard_break_plain": (
        "Expect a question about the break. Script: state the reason briefly, what you "
        "kept current, and move to what you bring now."
    ),
    # Talking points: STAR prompts tied to cited stories.
    "tp_star": (
        'For "{req}": tell "{fact}" as a STAR story (situation, task, your actions, the result).'
    ),
    "tp_star.2": (
        'On "{req}", use "{fact}": set the situation, say what you did, end on the result.'
    ),
    "tp_star.3": (
        'When "{req}" comes up, walk through "{fact}": the problem, your part, the outcome.'
    ),
    "tp_years": 'For "{req}", summarise how your roles as {fact} built this experience.',
    "tp_gap": 'Prepare an honest answer on "{gap}" and the first step you are taking.',
    "tp_answer": 'Expand on your answer to "{question}" with a concrete example.',
    "tp_fallback_1": "Ask how success in the {target_role} role is measured in the first months.",
    "tp_fallback_2": (
        "Explain why the {target_role} role at {target_company} is the right next step for you."
    ),
    "tp_fallback_3": "Ask about the biggest challenges the team at {target_company} faces now.",
    "tp_fallback_4": "Prepare a short example of learning a new tool or domain quickly.",
    "tp_fallback_5": "Ask who the role works with most closely and how decisions are made.",
    "list_sep": ", ",
    "list_and": " and ",
}
