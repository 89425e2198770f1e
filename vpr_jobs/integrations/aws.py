"""The AWS calls this service makes outside django-storages and django-q2, in one place.

Clients are cached per process and honour the standard AWS environment (credentials,
`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SQS`, …), so the same code talks to moto in tests.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from django.conf import settings

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30
)


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, region_name=settings.AWS_REGION, config=_CONFIG)


@cache
def sqs_queue_url(name: str) -> str:
    return client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


def sqs_queue_arn(url: str) -> str:
    attributes = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return attributes["Attributes"]["QueueArn"]


def sqs_ensure_queue(name: str, *, attributes: dict[str, str]) -> str:
    """Create the queue if missing and give it `attributes` (also when it exists); its URL.

    Set after creating: CreateQueue refuses an existing queue whose attributes differ.
    """
    url = client("sqs").create_queue(QueueName=name)["QueueUrl"]
    client("sqs").set_queue_attributes(QueueUrl=url, Attributes=attributes)
    return url


def s3_ensure_bucket(name: str) -> None:
    s3 = client("s3")
    try:
        s3.head_bucket(Bucket=name)
        return
    except s3.exceptions.ClientError:
        pass
    params: dict[str, Any] = {"Bucket": name}
    if settings.AWS_REGION != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": settings.AWS_REGION}
    s3.create_bucket(**params)


def ssm_get_secret(name: str) -> str:
    response = client("ssm").get_parameter(Name=name, WithDecryption=True)
    return response["Parameter"]["Value"]
