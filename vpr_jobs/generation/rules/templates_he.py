"""Hebrew sentence templates, written in Hebrew rather than translated word for word.

The default wording is gender-neutral (nouns, infinitives, plural imperatives); `key@f` and
`key@m` are the feminine and masculine forms used when the sources tell the candidate's
grammatical gender (vpr_jobs/generation/rules/writer.py). Never a slash form ("משמש/ת").
Quotes from an English CV stand after a colon, as quotations, not inside a Hebrew clause.
"""

from __future__ import annotations

HE: dict[str, str] = {
    "where": "{role} ב-{company}",
    "dates_range": "{start} עד {end}",
    "dates_since": "מאז {start}",
    "dates_from": "החל מ-{start}",
    "ev_quote": '"{text}" ({where})',
    "ev_role": "{where} ({dates})",
    "ev_skills": "כישורים בקורות החיים: {items}",
    "ev_tools": "כלים מתפקידים קודמים: {items}",
    "ev_tool": "{tool} ({where})",
    "ev_cert": "הסמכה: {text}",
    "ev_education": "השכלה: {text}",
    "ev_summary": 'מתוך התקציר המקצועי: "{text}"',
    "ev_languages": "שפות: {items}",
    "ev_gap": 'מתוך התשובה לשאלה "{question}": "{answer}"',
    "ev_answer": 'מתוך התשובות לשאלות הפער: "{answer}"',
    "ev_none": "קורות החיים אינם מציגים ראיה ישירה לדרישה זו.",
    "cert_issuer": "{name}, {issuer}",
    "degree_field": "{degree}, {field}",
    "why_result": "תוצאה מדידה שמראה {terms} בפועל, בתפקיד {where}.",
    "why_result.2": "הוכחה מעשית ל-{terms}, כולל התוצאה, בתפקיד {where}.",
    "why_result.3": "עבודה ב-{terms} עם תוצאה מוצהרת, בתפקיד {where}.",
    "why_story": "ניסיון מעשי ב-{terms}, בתפקיד {where}.",
    "why_story.2": "עבודה שוטפת עם {terms}, בתפקיד {where}.",
    "why_story.3": "ניסיון ישיר ב-{terms}, בתפקיד {where}.",
    "why_list": "קורות החיים מציינים {terms}; דוגמה מתפקיד קודם תמחיש זאת.",
    "why_list.2": "מופיע בקורות החיים ({terms}); כדאי לגבות בסיפור בראיון.",
    "why_list.3": "מצוין בקורות החיים עבור {terms}; דוגמה מוחשית תחזק זאת.",
    "why_formal": "בסיס פורמלי ב-{terms}.",
    "why_summary": "מופיע בתקציר המקצועי עבור {terms}; דוגמה מוחשית תוכיח זאת.",
    "why_moderate": 'מכסה {terms}, אך לא את כל "{req}"; הפער שנותר קטן.',
    "why_moderate.2": 'קשור ל-"{req}" דרך {terms}; קרוב, אך לא זהה.',
    "why_moderate.3": 'חופף ל-"{req}" ב-{terms}; כדאי להסביר כיצד הניסיון עובר.',
    "why_developing": 'נוגע ב-"{req}" רק בחלקו ({terms}): תחום פיתוח שכדאי להציג בגלוי.',
    "why_developing.2": 'התאמה חלקית בלבד ל-"{req}" ({terms}); כדאי להציג תוכנית לסגירת הפער.',
    "why_none": 'אין עדיין בקורות החיים או בתשובות מענה ל-"{req}"; ראו באסטרטגיות הפערים.',
    "why_gap": 'התשובה לשאלות הפער מספקת את "{req}"; דוגמה בראיון תחזק זאת.',
    "why_denied": 'לפי התשובה לשאלות הפער, "{req}" עדיין אינו קיים, ולכן זה תחום פיתוח ולא '
    "נקודת חוזק.",
    "why_years_strong": 'תאריכי התפקידים בקורות החיים עומדים בדרישה "{req}".',
    "why_years_moderate": 'תאריכי התפקידים בקורות החיים מתקרבים לדרישה "{req}".',
    "why_years_developing": 'תאריכי התפקידים בקורות החיים עונים על חלק מהדרישה "{req}".',
    "sum_current": (
        "התפקיד הנוכחי של {name}: {role} ב-{company}. המועמדות היא לתפקיד {target_role} "
        "ב-{target_company}."
    ),
    "sum_current@f": (
        "{name} משמשת כיום {role} ב-{company} ומגישה מועמדות לתפקיד {target_role} "
        "ב-{target_company}."
    ),
    "sum_current@m": (
        "{name} משמש כיום {role} ב-{company} ומגיש מועמדות לתפקיד {target_role} ב-{target_company}."
    ),
    "sum_past": (
        "התפקיד האחרון של {name}: {role} ב-{company}. המועמדות היא לתפקיד {target_role} "
        "ב-{target_company}."
    ),
    "sum_past@f": (
        "{name} עבדה לאחרונה כ-{role} ב-{company} ומגישה מועמדות לתפקיד {target_role} "
        "ב-{target_company}."
    ),
    "sum_past@m": (
        "{name} עבד לאחרונה כ-{role} ב-{company} ומגיש מועמדות לתפקיד {target_role} "
        "ב-{target_company}."
    ),
    "sum_no_experience": "מועמדות של {name} לתפקיד {target_role} ב-{target_company}.",
    "sum_results": 'התוצאות החזקות ביותר מקורות החיים: "{first}"; "{second}".',
    "sum_result": 'התוצאה החזקה ביותר מקורות החיים: "{first}".',
    "sum_summary": 'מתוך התקציר המקצועי: "{text}".',
    "sum_gap": 'השאלה הראשונה שכדאי להתכונן אליה: "{gap}".',
    "fit_high": "רוב הדרישות נתמכות בראיות ישירות",
    "fit_mid": "חלק מהדרישות נתמכות ישירות ואחרות דרך ניסיון קרוב",
    "fit_low": "מעט דרישות נתמכות בקורות החיים",
    "fit_none": "קורות החיים מציגים מעט ראיות למשרה זו",
    "fit_manager": "הציון הופחת בגלל המעבר מ-{role} ל-{target_role} ללא ניסיון בניהול אנשים",
    "fit_step": "הציון הופחת בגלל המעבר מ-{role} ל-{target_role}",
    "fit_denied": "הציון הופחת היכן שהתשובות לשאלות הפער מאשרות פער",
    "fit_change": "הסבה מקצועית הנשענת על ניסיון שעובר לתפקיד",
    "fit_sep": "; ",
    "fit_end": ".",
    "diff_achievement": 'תוצאה מוכחת בתפקיד {where}: "{text}".',
    "diff_cert": "הסמכה: {text}.",
    "diff_cert@f": "בעלת הסמכה: {text}.",
    "diff_cert@m": "בעל הסמכה: {text}.",
    "diff_education": "השכלה: {text}.",
    "diff_skills": "כישורים שהמשרה מבקשת: {items}.",
    "diff_skills_plain": "בין הכישורים: {items}.",
    "diff_languages": "שפות: {items}.",
    "diff_role": "ניסיון מעשי בתפקיד {where}.",
    "diff_summary": 'מתוך התקציר המקצועי: "{text}".',
    "diff_gap": 'מתוך התשובות לשאלות הפער: "{text}".',
    "diff_neutral_1": "כל טענה בדוח ניתנת לאימות מול קורות החיים או התשובות לשאלות הפער.",
    "diff_neutral_2": "פתיחות לגבי תחומי פיתוח, עם תוכנית לסגירת הפערים.",
    "diff_neutral_3": "מוכנות לגבות כל דרישה בדוגמה מוחשית.",
    "mit_denied": (
        'לומר זאת בפשטות, כמו בתשובה ("{answer}"), לגשר אל {bridge} ולציין את הצעד הבא שכבר בדרך.'
    ),
    "mit_denied_plain": 'לומר זאת בפשטות, כמו בתשובה ("{answer}"), ולציין את הצעד הבא שכבר בדרך.',
    "mit_denied_ref": (
        "לומר זאת בפשטות, כמו בתשובה לשאלות הפער, לגשר אל {bridge} ולציין את הצעד הבא שכבר בדרך."
    ),
    "mit_related": (
        'להכיר בפער ב-"{req}" בגלוי, להציג את {bridge} כראיה הקרובה ביותר ולציין צעד ראשון '
        "מוחשי (קורס, פרויקט צד או למידה תוך כדי עבודה)."
    ),
    "mit_none": (
        'להכיר בפער ב-"{req}" בגלוי ולהציג תוכנית מוחשית לבנייתו, עם דוגמה ללמידה מהירה של '
        "תחום חדש."
    ),
    "mit_developing": (
        'לפתוח ב-{bridge}, ואז להסביר אילו צעדים ננקטו או מתוכננים כדי להעמיק ב-"{req}".'
    ),
    "mit_nice": 'יתרון ולא חובה: להביע עניין ב-"{req}" ולציין חשיפה קשורה, בלי להגזים.',
    "hard_manager": "המעבר מ-{role} ל-{target_role}",
    "hard_manager_mit": (
        "צפויה שאלה על הובלת צוות בלי ניסיון קודם בניהול ישיר. תסריט: להציג את האנשים שכבר "
        "הונחו ({bridge}), מה השתנה אצלם, ואיך ייראה ניהול הצוות בחודשים הראשונים."
    ),
    "hard_step": "המעבר מ-{role} ל-{target_role}",
    "hard_step_mit": (
        "צפויה בקשה להוכחה לעבודה ברמה הזו כבר היום. תסריט: לבחור עבודה שהשפיעה מעבר לצוות "
        "({bridge}) ולתאר את ההחלטות שהתקבלו."
    ),
    "hard_change": "הסבה מ-{role} ל-{target_role}",
    "hard_change_mit": (
        "צפויה שאלה על הסיבה להסבה ועל העיתוי. תסריט: משפט קצר על המעבר, ואז התוצאות שעוברות "
        "לתפקיד ({bridge}) ומה נעשה כדי להתכונן."
    ),
    "hard_break": "הפסקה בין {end} ל-{start}",
    "hard_break_mit": (
        'צפויה שאלה על ההפסקה. תסריט: להציג אותה במשפט קצר, כמו בתשובה ("{answer}"), ולעבור '
        "למה שמביאים לתפקיד היום."
    ),
    "hard_break_plain": (
        "צפויה שאלה על ההפסקה. תסריט: הסיבה במשפט קצר, מה נשמר עדכני, ומעבר למה שמביאים לתפקיד "
        "היום."
    ),
    "tp_star": 'לגבי "{req}": לספר את "{fact}" כסיפור STAR (מצב, משימה, פעולות, תוצאה).',
    "tp_star.2": 'כשעולה "{req}": להשתמש ב-"{fact}", להציג את המצב, את הפעולות ולסיים בתוצאה.',
    "tp_star.3": 'לשאלה על "{req}": לעבור על "{fact}", הבעיה, החלק האישי והתוצאה.',
    "tp_years": 'לגבי "{req}": לסכם כיצד התפקידים {fact} בנו את הניסיון הזה.',
    "tp_gap": 'להכין תשובה כנה לגבי "{gap}" ואת הצעד הראשון שכבר בדרך.',
    "tp_answer": 'להרחיב את התשובה לשאלה "{question}" בדוגמה מוחשית.',
    "tp_fallback_1": "לשאול כיצד נמדדת הצלחה בתפקיד {target_role} בחודשים הראשונים.",
    "tp_fallback_2": "להסביר מדוע התפקיד {target_role} ב-{target_company} הוא הצעד הבא הנכון.",
    "tp_fallback_3": "לשאול מהם האתגרים הגדולים של הצוות ב-{target_company} כיום.",
    "tp_fallback_4": "להכין דוגמה קצרה ללמידה מהירה של כלי או תחום חדש.",
    "tp_fallback_5": "לשאול עם מי התפקיד עובד באופן הדוק ביותר וכיצד מתקבלות החלטות.",
    "list_sep": ", ",
    "list_and": " ו-",  # noqa: RUF001 (Hebrew "and")
}
