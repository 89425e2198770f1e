"""Word lists: months, languages, generic words, organisation suffixes, title heads for any
profession, seniority words, title abbreviations and synonyms, the tool lexicon, acronyms that
are concepts not tools, certification acronyms, style phrases."""

from __future__ import annotations

import re

# --------------------------------------------------------------------------- vocabulary

# fmt: off

_MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec",
}
_LANGUAGES = {
    "english", "hebrew", "arabic", "russian", "french", "spanish", "german", "italian",
    "portuguese", "chinese", "mandarin", "japanese", "korean", "hindi", "amharic", "yiddish",
}
# Capitalised words that follow "for"/"with" without naming an organisation.
_GENERIC_NAME_WORDS = {
    "i", "she", "he", "they", "we", "her", "his", "their", "our", "you", "your", "it", "this",
    "engineering", "product", "products", "sales", "marketing", "finance", "operations", "hr",
    "data", "design", "research", "support", "leadership", "management", "learning",
    "development", "onboarding", "training", "compliance", "security", "qa", "devops",
    "platform", "backend", "frontend", "people", "talent", "recruiting", "customer", "success",
    "analytics", "team", "teams", "r&d", "l&d", "ai", "ml", "executive", "summary", "role",
    "company", "organisation", "organization", "business", "technology", "tech", "staff",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",  # not Monday(.com)
    "q1", "q2", "q3", "q4", "h1", "h2", "star", "hiring", "new", "hire", "hires", "day", "one",
    "all", "hands",
}
_ORG_SUFFIXES = {
    "university", "college", "institute", "academy", "school", "bank", "inc", "ltd", "llc",
    "corp", "corporation", "technologies", "labs", "systems", "software", "group",
    "foundation", "association", "agency", "ministry", "hospital", "consulting", "partners",
    "capital", "ventures", "solutions", "studios", "plc", "gmbh",
}
_ORG_PREFIXES = {"university", "bank", "institute", "college", "ministry", "academy"}
_LEGAL_SUFFIXES = {"inc", "ltd", "llc", "corp", "corporation", "co", "plc", "gmbh", "limited"}
_NAME_STOPWORDS = {"the", "of", "for", "and", "a", "an", "at", "de", "in"}

_TITLE_HEADS = {
    "engineer", "engineers", "developer", "manager", "specialist", "coordinator", "director",
    "head", "lead", "designer", "analyst", "consultant", "officer", "architect", "scientist",
    "administrator", "president", "vp", "founder", "cofounder", "co-founder", "owner", "intern",
    "advisor", "adviser", "strategist", "recruiter", "trainer", "instructor", "facilitator",
    "lecturer", "researcher", "programmer", "supervisor", "executive", "ceo", "cto", "cfo",
    "coo", "cpo", "chief", "partner", "teacher",
    # Titles for any profession, not only tech.
    "nurse", "midwife", "physician", "doctor", "surgeon", "therapist", "pharmacist", "paramedic",
    "practitioner", "matron", "clinician", "accountant", "controller", "auditor", "bookkeeper",
    "economist", "actuary", "underwriter", "statistician", "educator", "tutor", "professor",
    "lawyer", "attorney", "paralegal", "clerk", "technician", "representative", "rep",
    "associate", "assistant", "editor", "writer", "marketer", "planner", "buyer", "chef",
    "sdr", "bdr", "ae",
}
# Words that make a title more senior: never accepted as a "small wording change".
_SENIORITY = {
    "senior", "lead", "principal", "staff", "head", "chief", "director", "vp", "vice",
    "president", "manager", "executive", "founder", "cofounder", "partner", "architect",
    "supervisor", "ceo", "cto", "cfo", "coo", "cpo", "distinguished", "fellow",
}
_TITLE_ABBREVIATIONS = {
    "sr": "senior", "snr": "senior", "jr": "junior", "mgr": "manager", "eng": "engineer",
    "engr": "engineer", "dev": "engineer", "swe": "software engineer",
    # Synonyms a faithful rewrite may use: the same job, not a different one.
    "developer": "engineer", "programmer": "engineer", "developers": "engineer",
    "engineers": "engineer", "rn": "registered nurse",
    "sdr": "sales development representative", "bdr": "business development representative",
    "ae": "account executive",
    "l&d": "learning development", "r&d": "research development", "hr": "human resources",
    "co-founder": "cofounder", "vice-president": "vp", "vice president": "vp",
}
_PAST_TITLE_CUES = {
    "served as", "worked as", "working as", "hired as", "promoted to", "appointed",
    "appointed as", "became",
}
# A word right before "at"/"for" that turns the target company into a claimed past employer.
_PAST_EMPLOYER_CUES = {
    "at",
    "worked", "served", "employed", "spent", "previously", "formerly", "tenure", "stint", "was",
    "years", "months", "career",
}

# Named tools a report may claim; matched case-sensitively (they have canonical spellings).
_SKILL_LEXICON = (
    "Python", "Java", "JavaScript", "TypeScript", "Kotlin", "Scala", "Go", "Golang", "Rust",
    "Ruby", "Rails", "PHP", "C++", "C#", ".NET", "Swift", "Node.js", "React", "Angular",
    "Vue", "Django", "Flask", "FastAPI", "Spring", "SQL", "NoSQL", "GraphQL", "gRPC",
    "PostgreSQL", "Postgres", "MySQL", "MongoDB", "Redis", "Elasticsearch", "Cassandra",
    "DynamoDB", "Kafka", "RabbitMQ", "Celery", "SQS", "SNS", "Lambda", "AWS", "GCP", "Azure",
    "Docker", "Kubernetes", "K8s", "Terraform", "Ansible", "Jenkins", "GitHub Actions",
    "GitLab", "CircleCI", "Airflow", "Spark", "Hadoop", "Snowflake", "BigQuery", "dbt",
    "TensorFlow", "PyTorch", "Tableau", "Power BI", "Looker", "Excel", "Salesforce",
    "Workday", "SAP", "SuccessFactors", "Cornerstone", "Docebo", "Moodle", "Articulate 360",
    "Articulate Storyline", "Storyline", "Captivate", "Camtasia", "Canva", "Figma", "Jira",
    "Confluence", "Notion", "Asana", "Google Analytics", "HubSpot", "Zendesk", "SCORM", "xAPI",
    "Degreed", "LinkedIn Learning", "Coursera", "Udemy", "Lattice", "BambooHR", "Greenhouse",
    # Platform, data, frontend, sales, finance and clinical tools.
    "Helm", "Argo CD", "ArgoCD", "Prometheus", "Grafana", "Datadog", "Splunk", "New Relic",
    "PagerDuty", "OpenShift", "Istio", "Nginx", "Linux", "Bash", "Pulumi",
    "CloudFormation", "EKS", "GKE", "AKS", "ECS", "Fargate", "Karpenter",
    "Puppet", "ELK", "OpenTelemetry", "Jaeger", "Kubeflow", "Databricks",
    "MLflow", "SageMaker", "Vertex AI", "pandas", "NumPy", "scikit-learn", "XGBoost",
    "LightGBM", "Keras", "Hugging Face", "LangChain", "Fivetran", "Flink",
    "Trino", "Redshift", "Athena", "MATLAB", "SAS", "SPSS", "Stata", "Qlik",
    "Next.js", "Redux", "Webpack", "Vite", "Cypress", "Playwright", "Storybook",
    "Tailwind", "Sass", "Svelte", "React Native", "Flutter", "HTML", "CSS",
    "Epic", "Cerner", "Meditech", "Oracle", "NetSuite", "QuickBooks", "Xero",
    "Gong", "Salesloft", "ZoomInfo", "Sales Navigator", "Clari",
    "Mixpanel", "Amplitude", "Pendo", "Hotjar", "Optimizely", "Productboard", "Miro",
    "Trello", "Intercom", "ServiceNow", "Okta", "Perl", "Haskell", "Elixir", "Erlang", "Clojure",
    "Objective-C", "Dart", "Solidity", "COBOL", "Fortran", "Sketch", "InVision", "Adobe XD",
    "Zeplin", "Kubecost", "Gainsight", "Marketo", "Pardot", "Apollo.io", "Lusha", "Loom",
)
_SKILL_ALIASES = {
    "Postgres": ("PostgreSQL",), "PostgreSQL": ("Postgres",), "K8s": ("Kubernetes",),
    "Kubernetes": ("K8s",), "Golang": ("Go",), "Go": ("Golang",),
}
# All-caps words that are not skills a candidate could falsely claim.
_ACRONYM_STOPLIST = {
    "CV", "VPR", "HR", "KPI", "KPIS", "ROI", "OKR", "OKRS", "CEO", "CTO", "CFO", "COO", "CPO",
    "VP", "US", "USA", "UK", "EU", "IT", "QA", "UX", "UI", "API", "APIS", "SAAS", "AI", "ML",
    "PM", "PR", "TL", "NPS", "ID", "OK", "FAQ", "B2B", "B2C", "MBA", "EMBA", "PHD", "BA", "MA",
    "BSC", "MSC", "BS", "MS", "LLB", "LLM", "BFA", "MFA", "BBA", "BENG", "MENG", "BED", "MED",
    "ASAP", "TBD", "ETA", "SLA", "SLAS", "SQL", "STAR", "Q1", "Q2", "Q3", "Q4", "H1", "H2",
    "FY", "ATS", "LD",
    # Generic business, engineering and clinical acronyms: concepts, not tools one "uses".
    "SRE", "SLO", "SLOS", "SLI", "CI", "CD", "ETL", "ELT", "MVP", "PRD", "RFC", "RFP", "QBR",
    "ICP", "ARR", "MRR", "ACV", "TCV", "GMV", "CAC", "LTV", "CSAT", "SMB", "MAPE", "RMSE",
    "AUC", "HIPAA", "GDPR", "SOX", "IFRS", "GAAP", "ERP", "CRM", "LMS", "HRIS", "SDK", "SPA",
    "SSR", "CDN", "DNS", "TLS", "VPN", "IAM", "RBAC", "SSO", "LLMS", "NLP", "DB", "OS",
    "EMEA", "APAC", "LATAM", "NHS", "ICU", "ED", "OR", "RN", "EHR", "EMR", "P99", "P95", "P50",
    "FTE", "FTES", "IPO", "M&A", "CPA", "PNL", "YOY", "QOQ", "MOM", "SEO", "SEM", "PPC", "CTR",
    "CRO", "PLG", "GTM", "SDR", "BDR", "AE", "AM", "CSM", "VAT", "EBITDA", "WCAG",
    "A11Y", "MAU", "DAU", "RPS", "QPS", "TPS", "IOPS", "CPU", "GPU", "RAM", "SSD", "HA", "DR",
    "RTO", "RPO", "MTTR", "MTTD", "POC", "PRS", "E2E", "OOP", "TDD", "BDD", "DDD", "REST",
    "HTTP", "JSON", "XML", "YAML", "CSV", "PDF", "SMS", "NDA", "CEFR", "IDF", "BI",
}
_KNOWN_CERT_ACRONYMS = (
    "PMP", "CAPM", "CPTD", "APTD", "CPLP", "CIPD", "SHRM-CP", "SHRM-SCP", "PHR", "SPHR",
    "CISSP", "CISM", "CKA", "CKAD", "CSM", "PSM", "ITIL", "CPA", "CFA", "CCNA", "CCNP",
    "CKS", "KCNA", "BLS", "ACLS", "PALS", "TNCC", "CISA", "CMA", "ACCA", "CFP", "PSPO", "CSPO",
    "TOGAF", "CCSP", "OSCP", "CEH", "CCSK", "PMI-ACP", "PRINCE2", "MEDDICC", "CIMA", "FRM",
)

_STYLE_PHRASES = (
    # Machine-sounding phrasing.
    "delve", "delves", "delving", "tapestry", "testament to", "in today's fast-paced",
    "fast-paced world", "ever-evolving", "ever-changing landscape", "leverage synergies",
    "synergies", "navigate the complexities", "navigating the complexities", "game-changer",
    "game changer", "cutting-edge", "unlock the potential", "unleash", "embark on", "realm of",
    "paradigm shift", "seamlessly", "pivotal role", "plays a pivotal", "intricate",
    "meticulous", "showcasing", "underscores", "a myriad of", "spearheaded", "spearheading",
    "results-driven", "proven track record", "passionate about", "thought leader",
    "think outside the box", "at the end of the day", "in the realm of", "holistic approach",
    # Empty superlatives.
    "world-class", "world class", "best-in-class", "best in class", "unparalleled",
    "unmatched", "unrivaled", "unrivalled", "rockstar", "rock star", "ninja", "guru",
    "superstar", "second to none", "top-notch", "stellar", "extraordinary", "visionary",
    "exceptional", "outstanding", "phenomenal", "legendary",
)
# fmt: on
_STYLE_RE = re.compile(
    r"(?<![\w-])(?:" + "|".join(re.escape(p) for p in _STYLE_PHRASES) + r")(?![\w-])",
    re.IGNORECASE,
)
