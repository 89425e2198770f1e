"""`manage.py qcluster` with a zero-latency generator (bench only, no monkeypatching of app
code paths beyond the generator factory).

`vpr_jobs.generation.get_generator()` calls the module-level `build_generator`; it is
replaced here, in the cluster's parent process, before the cluster forks its workers, so
every worker gets a generator that returns a precomputed report (the rules generator's
output for the sample CV and posting, computed once) in microseconds. Everything else a job
does — claim, input load and validation, fact verification, the S3 write, the artifact and
the COMPLETED transition, the broker's receive/ack and django-q2's bookkeeping — is real.
"""

from __future__ import annotations

import django


def main() -> None:
    django.setup()
    from django.core.management import call_command

    from bench.context import load_fixture
    from vpr_jobs import generation
    from vpr_jobs.generation.base import GenerationInput, GenerationResult
    from vpr_jobs.generation.rules import RulesGenerator
    from vpr_jobs.schemas import CV, VPRRequest

    cv = CV.model_validate(load_fixture("cv_learning_development"))
    request = VPRRequest.model_validate(load_fixture("vpr_request_learning_development"))
    document = (
        RulesGenerator().generate(GenerationInput(job_id="zero", cv=cv, request=request)).document
    )

    class ZeroLatencyGenerator:
        name = "zero"

        def generate(self, data: GenerationInput, feedback: object = None) -> GenerationResult:
            return GenerationResult(document=document.model_copy(update={"job_id": data.job_id}))

    zero = ZeroLatencyGenerator()
    generation.build_generator = lambda name: zero  # type: ignore[assignment]
    call_command("qcluster")


if __name__ == "__main__":
    main()
