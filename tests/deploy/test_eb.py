"""The Elastic Beanstalk configuration says what production needs, and CloudFormation accepts it.

Reads .ebextensions/*.config, the Procfile, gunicorn.conf.py and .platform/ as plain files (no
AWS, no database): the queue and bucket settings the worker relies on, the least-privilege
instance policy, the alarms, the deploy-time commands and the environment properties that
make `DJANGO_ENV=production` start.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management.utils import get_random_secret_key

ROOT = Path(__file__).resolve().parents[2]
EBEXTENSIONS = ROOT / ".ebextensions"
PLATFORM = ROOT / ".platform"
ENVIRONMENT = "aws:elasticbeanstalk:application:environment"
ENV_OPTION = {"Namespace": ENVIRONMENT, "OptionName": "CAREERVP_ENV", "DefaultValue": "prod"}
# The functions Elastic Beanstalk documents for configuration files.
EB_FUNCTIONS = {"Ref", "Fn::GetAtt", "Fn::Join", "Fn::GetOptionSetting"}
TOP_LEVEL_KEYS = {
    "option_settings",
    "container_commands",
    "commands",
    "files",
    "packages",
    "Resources",
    "Outputs",
}


def load_configs() -> dict[str, dict[str, Any]]:
    return {
        path.name: yaml.safe_load(path.read_text())
        for path in sorted(EBEXTENSIONS.glob("*.config"))
    }


def merged(section: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for config in load_configs().values():
        for key, value in (config.get(section) or {}).items():
            assert key not in result, f"{section}.{key} is defined twice"
            result[key] = value
    return result


def options(namespace: str) -> dict[str, Any]:
    return merged("option_settings").get(namespace, {})


def env_properties() -> dict[str, str]:
    return options(ENVIRONMENT)


def resources() -> dict[str, Any]:
    return merged("Resources")


def properties(logical_id: str) -> dict[str, Any]:
    return resources()[logical_id]["Properties"]


def resource_function(value: str) -> dict[str, Any]:
    """The CloudFormation function inside an option value written as '`{...}`'."""
    assert value.startswith("`{") and value.endswith("}`"), value
    return json.loads(value[1:-1])


def env_name_of(prefix: str) -> dict[str, Any]:
    return {"Fn::Join": ["-", [prefix, {"Fn::GetOptionSetting": ENV_OPTION}]]}


def functions_used(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        found |= {key for key in node if key == "Ref" or key.startswith("Fn::")}
        for value in node.values():
            found |= functions_used(value)
    elif isinstance(node, list):
        for value in node:
            found |= functions_used(value)
    return found


# --------------------------------------------------------------------------- files


def test_every_config_file_is_plain_yaml_with_known_sections():
    configs = load_configs()

    assert set(configs) >= {
        "01_environment.config",
        "02_django.config",
        "10_resources.config",
        "20_alarms.config",
        "30_iam.config",
    }
    for name, config in configs.items():
        assert isinstance(config, dict), name
        assert set(config) <= TOP_LEVEL_KEYS, f"{name}: {set(config) - TOP_LEVEL_KEYS}"


def test_resources_use_only_the_functions_elastic_beanstalk_supports():
    assert functions_used(resources()) <= EB_FUNCTIONS


def test_procfile_runs_gunicorn_with_its_config_and_the_qcluster_worker():
    lines = (ROOT / "Procfile").read_text().splitlines()
    processes = dict(line.split(":", 1) for line in lines if line.strip())

    assert all(re.fullmatch(r"[A-Za-z0-9_]+:\s*.+", line) for line in lines if line.strip())
    assert list(processes) == ["web", "worker", "events"]
    assert processes["web"].split() == [
        "gunicorn",
        "--config",
        "gunicorn.conf.py",
        "careervp.wsgi:application",
    ]
    assert processes["worker"].split() == ["python", "manage.py", "qcluster"]


def test_procfile_serves_event_streams_from_uvicorn_where_nginx_sends_them():
    lines = (ROOT / "Procfile").read_text().splitlines()
    events = dict(line.split(":", 1) for line in lines if line.strip())["events"].split()
    conf = (PLATFORM / "nginx/conf.d/elasticbeanstalk/events.conf").read_text()
    location = re.search(r"location ~ (\S+) \{", conf)

    assert events[:2] == ["uvicorn", "careervp.asgi:application"]
    assert events[events.index("--host") + 1] == "127.0.0.1"
    assert f"proxy_pass          http://127.0.0.1:{events[events.index('--port') + 1]};" in conf
    assert "--no-access-log" in events  # the events_url token is in the query string
    assert location is not None
    assert re.fullmatch(location.group(1), "/api/vpr/0b9a3c8e-1f2a-4d6b-9c1e-2f3a4b5c6d7e/events")
    assert not re.fullmatch(location.group(1), "/api/vpr/status/0b9a3c8e")
    assert "proxy_buffering     off;" in conf
    read_timeout = int(re.search(r"proxy_read_timeout\s+(\d+)s;", conf).group(1))
    assert read_timeout > 15  # the heartbeat


def test_gunicorn_reads_workers_threads_and_port_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("GUNICORN_WORKERS", "5")
    monkeypatch.setenv("GUNICORN_THREADS", "7")
    monkeypatch.setenv("PORT", "8123")

    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    assert (config["workers"], config["threads"]) == (5, 7)
    assert config["bind"] == "127.0.0.1:8123"
    assert config["worker_class"] == "gthread"


def test_gunicorn_defaults_suit_the_platform(monkeypatch: pytest.MonkeyPatch):
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "PORT", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)

    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    assert config["bind"] == "127.0.0.1:8000"  # where the platform's nginx proxies to
    assert config["workers"] >= 2
    assert config["threads"] >= 1
    assert 0 < config["timeout"] <= 60
    assert config["graceful_timeout"] > 0
    assert config["accesslog"] == "-"


def test_gunicorn_access_log_lines_are_json():
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    atoms = {"t": "[22/Nov/2026:04:00:00 +0000]", "m": "GET", "U": "/healthz", "s": 200}
    atoms |= {"B": 34, "M": 3, "a": "curl/8", "{x-forwarded-for}i": "1.2.3.4"}
    atoms |= {"{x-amzn-trace-id}i": "Root=1-abc"}

    line = json.loads(config["access_log_format"] % atoms)

    assert line["level"] == "INFO"
    assert (line["path"], line["status"]) == ("/healthz", 200)


# --------------------------------------------------------------------------- platform


def test_wsgi_path_health_check_and_log_streaming():
    assert options("aws:elasticbeanstalk:container:python")["WSGIPath"] == (
        "careervp.wsgi:application"
    )
    assert options("aws:elasticbeanstalk:application")["Application Healthcheck URL"] == (
        "/healthz"
    )
    assert options("aws:elasticbeanstalk:environment:process:default")["HealthCheckPath"] == (
        "/healthz"
    )
    assert options("aws:elasticbeanstalk:cloudwatch:logs")["StreamLogs"] == "true"


def test_container_commands_migrate_on_the_leader_only_and_collect_static_everywhere():
    commands = merged("container_commands")
    migrate = [name for name, c in commands.items() if "manage.py migrate" in c["command"]]
    collect = [name for name, c in commands.items() if "manage.py collectstatic" in c["command"]]

    assert len(migrate) == 1 and len(collect) == 1
    assert commands[migrate[0]]["leader_only"] is True
    assert not commands[collect[0]].get("leader_only", False)
    assert all("--noinput" in c["command"] for c in commands.values())
    # EB runs container_commands in name order: the schema is migrated before anything else.
    assert sorted(commands)[0] == migrate[0]


def test_health_check_reaches_django_with_an_allowed_host():
    conf = (PLATFORM / "nginx/conf.d/elasticbeanstalk/healthz.conf").read_text()
    host = re.search(r"proxy_set_header\s+Host\s+([^;\s]+);", conf)

    assert "location = /healthz" in conf
    assert "proxy_pass          http://127.0.0.1:8000;" in conf
    assert host is not None
    assert host.group(1) in env_properties()["DJANGO_ALLOWED_HOSTS"].split(",")


def test_worker_log_hooks_are_executable_and_point_at_the_worker_log_group():
    hook = PLATFORM / "hooks/postdeploy/50_stream_worker_log.sh"
    confighook = PLATFORM / "confighooks/postdeploy/50_stream_worker_log.sh"

    assert os.access(hook, os.X_OK) and os.access(confighook, os.X_OK)
    assert "get-config environment -k VPR_WORKER_LOG_GROUP" in hook.read_text()
    assert '"file_path": "/var/log/worker.stdout.log"' in hook.read_text()
    assert "/var/app/current/.platform/hooks/postdeploy/50_stream_worker_log.sh" in (
        confighook.read_text()
    )
    assert resource_function(env_properties()["VPR_WORKER_LOG_GROUP"]) == {
        "Ref": "VprWorkerLogGroup"
    }


# --------------------------------------------------------------------------- environment


def test_environment_properties_hold_safe_production_values():
    env = env_properties()

    assert {
        "DJANGO_ENV": env["DJANGO_ENV"],
        "DJANGO_DEBUG": env["DJANGO_DEBUG"],
        "QUEUE_BACKEND": env["QUEUE_BACKEND"],
        "RESULTS_STORAGE": env["RESULTS_STORAGE"],
        "VPR_GENERATOR": env["VPR_GENERATOR"],
        "LOG_FORMAT": env["LOG_FORMAT"],
        "DJANGO_SECURE_SSL_REDIRECT": env["DJANGO_SECURE_SSL_REDIRECT"],
        "VPR_WORKER_TIMEOUT_SECONDS": env["VPR_WORKER_TIMEOUT_SECONDS"],
        "VPR_VISIBILITY_TIMEOUT_SECONDS": env["VPR_VISIBILITY_TIMEOUT_SECONDS"],
        # X-Forwarded-For: the client, then the ALB's address appended by nginx.
        "VPR_TRUSTED_PROXY_COUNT": env.get("VPR_TRUSTED_PROXY_COUNT"),
    } == {
        "DJANGO_ENV": "production",
        "DJANGO_DEBUG": "false",
        "QUEUE_BACKEND": "sqs",
        "RESULTS_STORAGE": "s3",
        "VPR_GENERATOR": "claude",
        "LOG_FORMAT": "json",
        "DJANGO_SECURE_SSL_REDIRECT": "true",
        "VPR_WORKER_TIMEOUT_SECONDS": "300",
        "VPR_VISIBILITY_TIMEOUT_SECONDS": "660",
        "VPR_TRUSTED_PROXY_COUNT": "1",
    }
    assert env["ANTHROPIC_API_KEY_PARAM"].startswith("/careervp/")
    assert env["DJANGO_ALLOWED_HOSTS"]
    assert all(isinstance(value, str) for value in env.values()), "quote every value"


def test_environment_properties_name_this_stacks_queues_bucket_and_region():
    env = env_properties()

    assert resource_function(env["VPR_JOBS_QUEUE_NAME"]) == {
        "Fn::GetAtt": ["VprJobsQueue", "QueueName"]
    }
    assert resource_function(env["VPR_JOBS_DLQ_NAME"]) == {
        "Fn::GetAtt": ["VprJobsDeadLetterQueue", "QueueName"]
    }
    assert resource_function(env["VPR_RESULTS_BUCKET_NAME"]) == {"Ref": "VprResultsBucket"}
    assert resource_function(env["AWS_REGION"]) == {"Ref": "AWS::Region"}


def test_secrets_are_never_committed():
    env = env_properties()
    text = "\n".join(path.read_text() for path in EBEXTENSIONS.glob("*.config"))

    for secret in ("DJANGO_SECRET_KEY", "DATABASE_URL", "ANTHROPIC_API_KEY", "RDS_PASSWORD"):
        assert secret not in env
    assert not re.search(r"sk-ant-|postgres(ql)?://|AKIA[0-9A-Z]{16}", text)


def env_option(name: str) -> dict[str, Any]:
    """The queue's reference to environment property `name`, defaulting to its value."""
    return {
        "Fn::GetOptionSetting": {
            "Namespace": ENVIRONMENT,
            "OptionName": name,
            "DefaultValue": env_properties()[name],
        }
    }


def test_queue_takes_visibility_polling_and_redrive_from_the_apps_settings():
    """One value each, read by the app and the queue alike: `eb setenv` cannot split them."""
    env = env_properties()
    queue = properties("VprJobsQueue")

    assert queue["VisibilityTimeout"] == env_option("VPR_VISIBILITY_TIMEOUT_SECONDS")
    assert queue["ReceiveMessageWaitTimeSeconds"] == env_option("VPR_SQS_WAIT_SECONDS")
    assert queue["RedrivePolicy"]["maxReceiveCount"] == env_option("VPR_SQS_MAX_RECEIVE_COUNT")
    assert int(env["VPR_WORKER_TIMEOUT_SECONDS"]) < int(env["VPR_VISIBILITY_TIMEOUT_SECONDS"])
    assert int(env["VPR_MAX_ATTEMPTS"]) <= int(env["VPR_SQS_MAX_RECEIVE_COUNT"])


def test_production_settings_start_and_pass_deploy_checks_with_only_the_secrets_added():
    """The committed properties plus what `eb setenv` adds make a valid production config.

    Accepted warning: security.W021 (HSTS preload) is a decision for the whole company domain
    (a submission to the browsers' preload list), not for this service.
    """
    accepted = {"security.W021"}
    resolved = {
        "VPR_JOBS_QUEUE_NAME": "careervp-vpr-jobs-queue-prod",
        "VPR_JOBS_DLQ_NAME": "careervp-vpr-jobs-dlq-prod",
        "VPR_RESULTS_BUCKET_NAME": "careervp-vpr-results-prod",
        "AWS_REGION": "eu-west-1",
        "VPR_WORKER_LOG_GROUP": "/aws/elasticbeanstalk/careervp-prod/var/log/worker.stdout.log",
    }
    env = env_properties() | resolved
    env |= {
        "DJANGO_SECRET_KEY": get_random_secret_key(),
        # Never connected to: `check` without --database does not touch the database.
        "DATABASE_URL": "postgres://careervp:unused@db.invalid:5432/careervp",
        "DJANGO_ALLOWED_HOSTS": env["DJANGO_ALLOWED_HOSTS"] + ",api.careervp.example",
    }
    prefixes = ("DJANGO_", "VPR_", "ANTHROPIC_", "RESULTS_STORAGE", "QUEUE_BACKEND", "LOG_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert set(re.findall(r"\((\w+\.[EWC]\d+)\)", output)) <= accepted, output


# --------------------------------------------------------------------------- resources


def test_resources_are_named_after_the_environment():
    names = {
        "VprJobsQueue": ("QueueName", "careervp-vpr-jobs-queue"),
        "VprJobsDeadLetterQueue": ("QueueName", "careervp-vpr-jobs-dlq"),
        "VprResultsBucket": ("BucketName", "careervp-vpr-results"),
        "VprAlarmTopic": ("TopicName", "careervp-vpr-alarms"),
        "VprDeadLetterAlarm": ("AlarmName", "careervp-vpr-dlq-messages"),
        "VprWorkerErrorsAlarm": ("AlarmName", "careervp-vpr-worker-errors"),
        "VprInstancePolicy": ("PolicyName", "careervp-vpr-instance"),
    }

    for logical_id, (name_property, prefix) in names.items():
        assert properties(logical_id)[name_property] == env_name_of(prefix), logical_id


def test_jobs_queue_outlives_a_job_long_polls_and_dead_letters_after_three_receives():
    env = env_properties()
    queue = properties("VprJobsQueue")

    assert env["VPR_VISIBILITY_TIMEOUT_SECONDS"] == "660"
    assert env["VPR_SQS_WAIT_SECONDS"] == "20"
    assert env["VPR_SQS_MAX_RECEIVE_COUNT"] == "3"
    assert queue["MessageRetentionPeriod"] == 4 * 3600
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["VprJobsDeadLetterQueue", "Arn"]
    }


def test_dead_letter_queue_keeps_messages_for_two_weeks():
    assert properties("VprJobsDeadLetterQueue")["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_results_bucket_is_encrypted_private_and_expires_results_after_a_week():
    bucket = properties("VprResultsBucket")
    rules = bucket["LifecycleConfiguration"]["Rules"]
    expiring = [rule for rule in rules if "ExpirationInDays" in rule]

    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert expiring == [
        {"Id": "expire-results", "Status": "Enabled", "Prefix": "results/", "ExpirationInDays": 7}
    ]
    assert resources()["VprResultsBucket"]["DeletionPolicy"] == "Retain"


def test_alarm_fires_on_one_visible_message_in_the_dead_letter_queue():
    alarm = properties("VprDeadLetterAlarm")

    assert (alarm["Namespace"], alarm["MetricName"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
    )
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["VprJobsDeadLetterQueue", "QueueName"]}}
    ]
    assert alarm["Threshold"] >= 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["AlarmActions"] == [{"Ref": "VprAlarmTopic"}]


def test_alarm_fires_when_the_worker_logs_an_error():
    group = properties("VprWorkerLogGroup")
    metric_filter = properties("VprWorkerErrorsMetricFilter")
    transformation = metric_filter["MetricTransformations"][0]
    alarm = properties("VprWorkerErrorsAlarm")

    assert group["LogGroupName"] == {
        "Fn::Join": [
            "",
            [
                "/aws/elasticbeanstalk/",
                {"Ref": "AWSEBEnvironmentName"},
                "/var/log/worker.stdout.log",
            ],
        ]
    }
    retention = options("aws:elasticbeanstalk:cloudwatch:logs")["RetentionInDays"]
    assert str(group["RetentionInDays"]) == retention
    assert metric_filter["LogGroupName"] == {"Ref": "VprWorkerLogGroup"}
    assert "ERROR" in metric_filter["FilterPattern"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        transformation["MetricNamespace"],
        transformation["MetricName"],
    )
    assert alarm["Statistic"] == "Sum"
    assert alarm["Threshold"] >= 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["AlarmActions"] == [{"Ref": "VprAlarmTopic"}]


def test_instance_policy_grants_exactly_the_calls_the_app_makes_on_its_own_resources():
    policy = properties("VprInstancePolicy")
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    key_param = env_properties()["ANTHROPIC_API_KEY_PARAM"]

    assert all(s["Effect"] == "Allow" for s in statements.values())
    assert set(statements) == {"JobQueues", "ResultObjects", "ResultListing", "AnthropicApiKey"}
    assert sorted(statements["JobQueues"]["Action"]) == [
        "sqs:ChangeMessageVisibility",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
        "sqs:SendMessage",
    ]
    assert statements["JobQueues"]["Resource"] == [
        {"Fn::GetAtt": ["VprJobsQueue", "Arn"]},
        {"Fn::GetAtt": ["VprJobsDeadLetterQueue", "Arn"]},
    ]
    assert sorted(statements["ResultObjects"]["Action"]) == [
        "s3:DeleteObject",
        "s3:GetObject",
        "s3:PutObject",
    ]
    assert statements["ResultObjects"]["Resource"] == [
        {"Fn::Join": ["", [{"Fn::GetAtt": ["VprResultsBucket", "Arn"]}, "/*"]]}
    ]
    # ListBucket only so that a HEAD on an expired result answers 404 (→ 410), not 403.
    assert statements["ResultListing"]["Action"] == ["s3:ListBucket"]
    assert statements["ResultListing"]["Resource"] == [{"Fn::GetAtt": ["VprResultsBucket", "Arn"]}]
    assert statements["ResultListing"]["Condition"] == {"StringLike": {"s3:prefix": ["results/*"]}}
    assert statements["AnthropicApiKey"]["Action"] == ["ssm:GetParameter"]
    [parameter_arn] = statements["AnthropicApiKey"]["Resource"]
    parts = parameter_arn["Fn::Join"][1]
    assert parts[:7] == [
        "arn:",
        {"Ref": "AWS::Partition"},
        ":ssm:",
        {"Ref": "AWS::Region"},
        ":",
        {"Ref": "AWS::AccountId"},
        ":parameter",
    ]
    assert parts[7] == {
        "Fn::GetOptionSetting": {
            "Namespace": ENVIRONMENT,
            "OptionName": "ANTHROPIC_API_KEY_PARAM",
            "DefaultValue": key_param,
        }
    }


def test_instance_policy_is_attached_to_the_environments_instance_profile_role():
    assert properties("VprInstancePolicy")["Roles"] == [
        {
            "Fn::GetOptionSetting": {
                "Namespace": "aws:autoscaling:launchconfiguration",
                "OptionName": "IamInstanceProfile",
                "DefaultValue": "aws-elasticbeanstalk-ec2-role",
            }
        }
    ]


# --------------------------------------------------------------------------- cfn-lint


def as_template() -> dict[str, Any]:
    """The Resources/Outputs of all config files as one template cfn-lint can read.

    Elastic Beanstalk supplies AWSEBEnvironmentName and resolves Fn::GetOptionSetting before
    CloudFormation sees the template; here both become template parameters.
    """
    parameters: dict[str, Any] = {"AWSEBEnvironmentName": {"Type": "String"}}

    def resolve(node: Any) -> Any:
        if isinstance(node, dict) and set(node) == {"Fn::GetOptionSetting"}:
            option = node["Fn::GetOptionSetting"]
            name = "Option" + re.sub(r"[^A-Za-z0-9]", "", option["OptionName"].title())
            parameters[name] = {"Type": "String", "Default": option.get("DefaultValue", "")}
            return {"Ref": name}
        if isinstance(node, dict):
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    template: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09"}
    template["Resources"] = resolve(resources())
    if outputs := merged("Outputs"):
        template["Outputs"] = resolve(outputs)
    template["Parameters"] = parameters
    return template


def test_cloudformation_resources_pass_cfn_lint(tmp_path: Path):
    template = tmp_path / "ebextensions.template.json"
    template.write_text(json.dumps(as_template(), indent=2))

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from cfnlint.runner import main; sys.exit(main())",
            "--format",
            "parseable",
            str(template),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )

    # cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational only.
    assert result.returncode & (2 | 4) == 0, result.stdout + result.stderr
    assert result.returncode in (0, 8), result.stdout + result.stderr
