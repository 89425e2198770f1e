"""VPR jobs data model.

Status changes never go through `save()`: `vpr_jobs.services.lifecycle` moves a job with
conditional UPDATEs so a late or duplicate worker can never overwrite a CANCELLED or COMPLETED
job.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class JobStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    PROCESSING = "PROCESSING", "Processing"
    COMPLETED = "COMPLETED", "Completed"
    FAILED = "FAILED", "Failed"
    CANCELLED = "CANCELLED", "Cancelled"


class JobStage(models.TextChoices):
    """Where an in-flight job is, for progress displays (the status stays the contract)."""

    QUEUED = "queued", "Queued"
    GENERATING = "generating", "Generating"
    VERIFYING = "verifying", "Verifying facts"
    REGENERATING = "regenerating", "Regenerating with corrections"
    STORING = "storing", "Storing"


IN_FLIGHT = (JobStatus.PENDING, JobStatus.PROCESSING)
TERMINAL = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


class JobErrorCode(models.TextChoices):
    """Every `error_code` a job can end with; the label is the sentence clients see.

    The job's `error` column keeps the detail (exception text, hosts, counts) for logs and the
    admin; a status body carries only `client_message(code)`.
    """

    CV_NOT_FOUND = "CV_NOT_FOUND", "The CV for this job could not be found."
    INVALID_CV = "INVALID_CV", "The CV for this job is invalid. Update it and submit again."
    INVALID_INPUT = "INVALID_INPUT", "The request stored for this job is invalid."
    FVS_HALLUCINATION_DETECTED = (
        "FVS_HALLUCINATION_DETECTED",
        "The report stated facts that are not in your CV, answers or the posting, "
        "even after one corrected regeneration.",
    )
    RETRIES_EXHAUSTED = (
        "RETRIES_EXHAUSTED",
        "The report could not be generated after several attempts. Please try again later.",
    )
    LEASE_EXPIRED = (
        "LEASE_EXPIRED",
        "The report could not be generated after several attempts. Please try again later.",
    )
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED", "The report took too long to generate."
    INVALID_MODEL_OUTPUT = (
        "INVALID_MODEL_OUTPUT",
        "The report generator returned an unusable answer.",
    )
    ANTHROPIC_NOT_CONFIGURED = (
        "ANTHROPIC_NOT_CONFIGURED",
        "The report generator is not available. Please try again later.",
    )
    ANTHROPIC_AUTH = (
        "ANTHROPIC_AUTH",
        "The report generator is not available. Please try again later.",
    )
    ANTHROPIC_REJECTED = "ANTHROPIC_REJECTED", "The report generator refused this request."
    ANTHROPIC_UNAVAILABLE = (
        "ANTHROPIC_UNAVAILABLE",
        "The report generator is not available. Please try again later.",
    )
    CANCELLED_BY_USER = "CANCELLED_BY_USER", "The job was cancelled."
    CANCELLED_BY_OPERATOR = "CANCELLED_BY_OPERATOR", "The job was cancelled by an operator."
    INTERNAL_ERROR = "INTERNAL_ERROR", "The report could not be generated."

    @classmethod
    def client_message(cls, code: str) -> str:
        """The fixed sentence for `code`; a code not listed here gets the generic one."""
        try:
            return cls(code).label
        except ValueError:
            return cls.INTERNAL_ERROR.label


def lease_expired_q(now: datetime) -> Q:
    """PROCESSING for longer than a worker may run: its worker died (or was killed)."""
    cutoff = now - timedelta(seconds=settings.VPR_WORKER_TIMEOUT_SECONDS)
    return Q(status=JobStatus.PROCESSING, started_at__lt=cutoff)


class JobQuerySet(models.QuerySet):
    """The "stuck" predicates (reads only), shared by the sweeper, the retry service and the
    admin filter."""

    def never_sent(self, now: datetime) -> JobQuerySet:
        """PENDING with no send recorded, older than the grace (it may be between its commit
        and its send)."""
        grace = timedelta(seconds=settings.VPR_SWEEP_RESEND_AFTER_SECONDS)
        return self.filter(
            status=JobStatus.PENDING, enqueued_at__isnull=True, created_at__lt=now - grace
        )

    def sent_but_unclaimed(self, now: datetime) -> JobQuerySet:
        """PENDING although its message should have been delivered (or redelivered) by now:
        its last send is older than the visibility timeout plus the grace."""
        grace = settings.VPR_VISIBILITY_TIMEOUT_SECONDS + settings.VPR_SWEEP_RESEND_AFTER_SECONDS
        return self.filter(status=JobStatus.PENDING, enqueued_at__lt=now - timedelta(seconds=grace))

    def lease_expired(self, now: datetime) -> JobQuerySet:
        return self.filter(lease_expired_q(now))

    def stuck(self, now: datetime) -> JobQuerySet:
        return self.never_sent(now) | self.sent_but_unclaimed(now) | self.lease_expired(now)


class UserCV(models.Model):
    """The caller's CV: one per user, validated by `schemas.CV` before it is stored."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cv"
    )
    data = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "CV"
        verbose_name_plural = "CVs"

    def __str__(self) -> str:
        return f"CV of {self.user}"


class Job(models.Model):
    job_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vpr_jobs"
    )
    application_id = models.CharField(max_length=64)
    idempotency_key = models.CharField(max_length=320)
    request_fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    input_data = models.JSONField()
    generator = models.CharField(max_length=32, blank=True)
    # The CV as it was at submission: a job (and its retries) always runs on this snapshot,
    # and its hash is part of `request_fingerprint`, so a changed CV makes a new job.
    cv_data = models.JSONField(null=True, blank=True)
    # Set by the worker while PROCESSING; a PENDING job is "queued" whatever this says.
    stage = models.CharField(max_length=16, choices=JobStage.choices, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    attempts = models.PositiveSmallIntegerField(default=0)
    # The fencing token: written afresh by every claim and matched by every worker write, so a
    # worker whose lease expired (even across a retry that reset `attempts`) writes nothing.
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    result_key = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    token_usage = models.JSONField(default=dict, blank=True)
    fvs_result = models.JSONField(default=dict, blank=True)
    vpr_version = models.PositiveIntegerField(null=True, blank=True)
    word_count = models.PositiveIntegerField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="job_user_newest"),
            models.Index(fields=["user", "status", "-created_at"], name="job_user_status_newest"),
            models.Index(fields=["status", "created_at"], name="job_status_age"),
            models.Index(fields=["idempotency_key", "-created_at"], name="job_idem_key"),
            # Admin: the changelist's default order and date drill-down, its error-code filter
            # (only failed/cancelled rows carry a code) and the application search.
            models.Index(fields=["created_at", "job_id"], name="job_created"),
            models.Index(
                fields=["error_code", "created_at"],
                name="job_error_age",
                condition=~Q(error_code=""),
            ),
            models.Index(fields=["application_id"], name="job_application"),
        ]
        constraints = [
            # At most one job in flight per idempotency key: N simultaneous identical submits
            # race on this index, exactly one INSERT wins.
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(status__in=[s.value for s in IN_FLIGHT]),
                name="job_one_in_flight_per_key",
            ),
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="job_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} ({self.status})"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL


class VPRArtifact(models.Model):
    """A stored report: version N of the VPR for one (user, application_id)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vpr_artifacts"
    )
    application_id = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="artifact")
    result_key = models.CharField(max_length=255)
    word_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "application_id", "version"], name="artifact_version_unique"
            )
        ]
        verbose_name = "VPR artifact"

    def __str__(self) -> str:
        return f"{self.application_id} v{self.version}"


class OIDCIdentity(models.Model):
    """A user of the product's identity provider: (issuer, subject) → this service's user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identities"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_unique")
        ]
        verbose_name = "OIDC identity"
        verbose_name_plural = "OIDC identities"

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"
