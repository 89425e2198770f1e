"""Domain errors raised by services; the API maps each to its HTTP status and error_code."""

from __future__ import annotations


class ServiceError(Exception):
    status_code = 400
    error_code = "BAD_REQUEST"

    def __init__(self, message: str, /, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class CVNotFound(ServiceError):
    status_code = 422
    error_code = "CV_NOT_FOUND"


class JobInProgress(ServiceError):
    status_code = 409
    error_code = "JOB_IN_PROGRESS"


class IdempotencyKeyReused(ServiceError):
    status_code = 422
    error_code = "IDEMPOTENCY_KEY_REUSED"


class JobNotCancellable(ServiceError):
    status_code = 409
    error_code = "JOB_ALREADY_FINISHED"


class JobNotFound(ServiceError):
    status_code = 404
    error_code = "NOT_FOUND"


class ResultGone(ServiceError):
    status_code = 410
    error_code = "RESULT_EXPIRED"


class Forbidden(ServiceError):
    status_code = 403
    error_code = "FORBIDDEN"
