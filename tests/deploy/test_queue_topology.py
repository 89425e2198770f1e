"""The jobs queue and its dead-letter queue have one description (vpr_jobs/queue/topology.py).

CloudFormation (.ebextensions/10_resources.config) must build exactly that description from
the environment properties the app reads, and `setup_aws_resources` must create exactly it:
a retention, a redrive or a timing written in one place and not the other fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.utils import get_random_secret_key

from tests.deploy.test_eb import ENVIRONMENT, ROOT, env_properties, resource_function, resources
from vpr_jobs import queue
from vpr_jobs.integrations import aws as aws_integration

REGION = "eu-west-1"
# Unlike every default and committed value, so a property one side ignores cannot match by luck.
PROPERTIES = {
    "CAREERVP_ENV": "stage",
    "VPR_VISIBILITY_TIMEOUT_SECONDS": "777",
    "VPR_SQS_WAIT_SECONDS": "7",
    "VPR_SQS_MAX_RECEIVE_COUNT": "5",
}
# What CloudFormation's Ref gives for the names the app's environment refers to.
REFS = {
    "AWS::Region": REGION,
    "VprResultsBucket": "careervp-vpr-results-stage",
    "VprWorkerLogGroup": "/aws/elasticbeanstalk/careervp-stage/var/log/worker.stdout.log",
}


def resolve(node: Any, options: dict[str, str]) -> Any:
    """A CloudFormation value with its functions evaluated as the stack would, given the
    environment's option values."""
    if isinstance(node, list):
        return [resolve(item, options) for item in node]
    if not isinstance(node, dict):
        return node
    if "Fn::GetOptionSetting" in node:
        option = node["Fn::GetOptionSetting"]
        assert option["Namespace"] == ENVIRONMENT, option
        return options.get(option["OptionName"], option["DefaultValue"])
    if "Fn::Join" in node:
        separator, parts = node["Fn::Join"]
        return separator.join(resolve(parts, options))
    if "Fn::GetAtt" in node:
        logical_id, attribute = node["Fn::GetAtt"]
        name = resolve(resources()[logical_id]["Properties"]["QueueName"], options)
        return {"QueueName": name, "Arn": f"arn:aws:sqs:{REGION}:123456789012:{name}"}[attribute]
    if "Ref" in node:
        return REFS[node["Ref"]]
    return {key: resolve(value, options) for key, value in node.items()}


def as_sqs(value: Any) -> Any:
    """A value as SQS's API reads it: CloudFormation writes numbers and booleans, SQS strings;
    a redrive policy is compared as the object its JSON text holds."""
    if isinstance(value, dict):
        return {key: as_sqs(item) for key, item in value.items()}
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def sqs_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    redrive = attributes.get("RedrivePolicy")
    if isinstance(redrive, str):
        attributes = attributes | {"RedrivePolicy": json.loads(redrive)}
    return as_sqs(attributes)


def stack_queue(logical_id: str) -> dict[str, Any]:
    return resolve(resources()[logical_id]["Properties"], PROPERTIES)


APP_VIEW = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.utils.module_loading import import_string
from vpr_jobs import queue
topology = queue.queue_topology()
cluster = settings.Q_CLUSTER
print(json.dumps({
    "names": [topology.jobs_queue_name, topology.dlq_name],
    "jobs": topology.jobs_queue_attributes(dlq_arn=sys.argv[1]),
    "dlq": topology.dlq_attributes(),
    "cluster": {
        "name": cluster["name"],
        "retry": cluster["retry"],
        "wait": cluster["sqs"]["receive_message_wait_time_seconds"],
        "max_attempts": cluster["max_attempts"],
        "broker": import_string(cluster["broker_class"]) is queue.DeadLetteringSqs,
    },
}))
"""


DLQ_ARN = resolve({"Fn::GetAtt": ["VprJobsDeadLetterQueue", "Arn"]}, PROPERTIES)


@pytest.fixture(scope="module")
def app() -> dict[str, Any]:
    """The topology and cluster as a production instance of this stack reads them from its
    environment properties (01_environment.config with PROPERTIES set), in a fresh process."""
    env = {
        name: resolve(resource_function(value), PROPERTIES) if value.startswith("`") else value
        for name, value in (env_properties() | PROPERTIES).items()
    }
    env |= {
        "DJANGO_SECRET_KEY": get_random_secret_key(),
        # Never connected to: reading settings does not touch the database.
        "DATABASE_URL": "postgres://careervp:unused@db.invalid:5432/careervp",
        "DJANGO_ALLOWED_HOSTS": env["DJANGO_ALLOWED_HOSTS"] + ",api.careervp.example",
        "DJANGO_SETTINGS_MODULE": "careervp.settings",
    }
    prefixes = ("DJANGO_", "VPR_", "ANTHROPIC_", "RESULTS_STORAGE", "QUEUE_BACKEND", "LOG_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    result = subprocess.run(
        [sys.executable, "-c", APP_VIEW, DLQ_ARN],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_cloudformation_builds_the_queues_the_app_describes_from_the_same_properties(
    app: dict[str, Any],
):
    jobs, dlq = stack_queue("VprJobsQueue"), stack_queue("VprJobsDeadLetterQueue")

    assert app["names"] == [jobs.pop("QueueName"), dlq.pop("QueueName")]
    assert app["names"] == ["careervp-vpr-jobs-queue-stage", "careervp-vpr-jobs-dlq-stage"]
    assert sqs_attributes(jobs) == sqs_attributes(app["jobs"])
    assert sqs_attributes(dlq) == sqs_attributes(app["dlq"])
    assert sqs_attributes(app["jobs"]) == {
        "VisibilityTimeout": "777",
        "ReceiveMessageWaitTimeSeconds": "7",
        "MessageRetentionPeriod": "14400",
        "SqsManagedSseEnabled": "true",
        "RedrivePolicy": {"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": "5"},
    }
    assert sqs_attributes(app["dlq"]) == {
        "MessageRetentionPeriod": str(14 * 24 * 3600),
        "SqsManagedSseEnabled": "true",
    }


def test_the_cluster_consumes_the_described_queue_and_leaves_failures_to_its_redrive(
    app: dict[str, Any],
):
    assert app["cluster"] == {
        "name": "careervp-vpr-jobs-queue-stage",
        "retry": 777,
        "wait": 7,
        "max_attempts": 0,
        "broker": True,
    }


def read_attributes(name: str, keys: list[str]) -> dict[str, str]:
    url = aws_integration.sqs_queue_url(name)
    attributes = aws_integration.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["All"]
    )["Attributes"]
    return {key: attributes[key] for key in keys if key in attributes}


def assert_queues_match(topology: queue.QueueTopology) -> None:
    dlq_arn = aws_integration.sqs_queue_arn(aws_integration.sqs_queue_url(topology.dlq_name))
    jobs_expected = topology.jobs_queue_attributes(dlq_arn=dlq_arn)
    dlq_expected = topology.dlq_attributes()

    jobs_actual = read_attributes(topology.jobs_queue_name, list(jobs_expected))
    dlq_actual = read_attributes(topology.dlq_name, list(dlq_expected))

    assert sqs_attributes(jobs_actual) == sqs_attributes(jobs_expected)
    assert sqs_attributes(dlq_actual) == sqs_attributes(dlq_expected)


def test_setup_aws_resources_creates_and_then_updates_exactly_the_described_queues(
    aws: str, settings: Any
):
    settings.VPR_JOBS_QUEUE_NAME = "careervp-topology-jobs"
    settings.VPR_JOBS_DLQ_NAME = "careervp-topology-dlq"
    call_command("setup_aws_resources", "--no-bucket", stdout=StringIO())
    created = queue.queue_topology()
    assert_queues_match(created)

    settings.VPR_VISIBILITY_TIMEOUT_SECONDS = 777
    settings.VPR_SQS_WAIT_SECONDS = 7
    settings.VPR_SQS_MAX_RECEIVE_COUNT = 5
    call_command("setup_aws_resources", "--no-bucket", stdout=StringIO())
    updated = queue.queue_topology()

    assert updated != created
    assert_queues_match(updated)
