"""Right to erasure (DELETE /api/cv, DELETE /api/me): a user's CV, jobs, reports and account.

Its own home, apart from the job lifecycle and operators' tools: it is the user's request,
deletes rows of every kind (not one job's status) and must leave no stored object behind,
whatever a worker is doing meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from knox.models import AuthToken

from vpr_jobs import storage
from vpr_jobs.logs import job_logger
from vpr_jobs.models import Job, UserCV, VPRArtifact


@dataclass
class ErasureReport:
    """What an erasure deleted: rows by kind, and stored result objects."""

    cv: int = 0
    jobs: int = 0
    artifacts: int = 0
    results: int = 0
    tokens: int = 0
    user: int = 0

    def as_dict(self, *, account: bool) -> dict[str, int]:
        counts = dict(self.__dict__)
        if not account:
            del counts["tokens"], counts["user"]
        return counts


def user_data_erase(*, user: AbstractBaseUser, delete_account: bool = False) -> ErasureReport:
    """Erase the user's CV, jobs, artifacts and stored results (and, with `delete_account`,
    their API tokens and the user itself).

    Objects first, then rows, in one transaction that holds the user's job rows locked
    (`FOR UPDATE`) throughout:
    - a failure while deleting objects rolls every row back: some results may be gone (a
      retry finishes the job; a status poll answers 410 meanwhile), but no object is ever left
      without the row that leads to it;
    - a worker completing one of these jobs meanwhile blocks on its job row, then finds it
      gone and removes the object it wrote (`lifecycle.job_complete`'s lost race), so it
      cannot leave an object behind either. A queued message for a deleted job is refused by
      the task (`UnknownJobError`: dead-lettered on SQS, reported by `requeue_dlq`).
    Every object under a job's folder (`results/<job_id>/`, one per claim) is listed and
    deleted, so an object written by a completion that has not committed yet goes too.
    """
    user_id = user.pk
    report = ErasureReport()
    with transaction.atomic():
        job_ids = list(
            Job.objects.select_for_update().filter(user=user).values_list("pk", flat=True)
        )
        keys = {key for job_id in job_ids for key in storage.result_keys_of_job(job_id)}
        keys |= set(VPRArtifact.objects.filter(user=user).values_list("result_key", flat=True))
        for key in sorted(keys):
            if storage.result_exists(key):
                storage.result_delete(key)
                report.results += 1
        report.artifacts = VPRArtifact.objects.filter(user=user).delete()[0]
        report.jobs = Job.objects.filter(pk__in=job_ids).delete()[1].get(Job._meta.label, 0)
        report.cv = UserCV.objects.filter(user=user).delete()[0]
        if delete_account:
            report.tokens = AuthToken.objects.filter(user=user).delete()[0]
            user.delete()
            report.user = 1
    job_logger(__name__, "-").info(
        "user data erased", extra={"user_id": user_id, **report.__dict__}
    )
    return report
