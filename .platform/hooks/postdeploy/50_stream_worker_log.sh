#!/usr/bin/env bash
# Stream the Procfile `worker` process's log to CloudWatch Logs.
#
# With StreamLogs on, Elastic Beanstalk configures the CloudWatch agent for the `web` process
# only; /var/log/worker.stdout.log stays on the instance. The worker-errors metric filter and
# alarm (.ebextensions/20_alarms.config) read the log group created there, whose name the
# VPR_WORKER_LOG_GROUP environment property carries. This appends one file to the agent's
# configuration, next to the platform's own.
#
# Runs after every application deploy (hooks/) and configuration deploy (confighooks/, which
# calls this file) because the platform may rewrite the agent's configuration on either.
# Never fails the deploy: losing log streaming must not take the service down.
set -uo pipefail

CTL=/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl
CONFIG=/opt/aws/amazon-cloudwatch-agent/etc/careervp-worker-log.json

log() { echo "stream_worker_log: $*"; }

if [[ ! -x "$CTL" ]]; then
  log "no CloudWatch agent on this instance; worker log not streamed"
  exit 0
fi
if ! "$CTL" -a status 2>/dev/null | grep -q '"status": *"running"'; then
  log "CloudWatch agent not running (StreamLogs off?); worker log not streamed"
  exit 0
fi

group="$(/opt/elasticbeanstalk/bin/get-config environment -k VPR_WORKER_LOG_GROUP 2>/dev/null)"
if [[ -z "$group" ]]; then
  log "VPR_WORKER_LOG_GROUP is not set; worker log not streamed"
  exit 0
fi

cat >"$CONFIG" <<EOF
{
  "logs": {
    "logs_collected": {
      "files": {
        "collect_list": [
          {
            "file_path": "/var/log/worker.stdout.log",
            "log_group_name": "${group}",
            "log_stream_name": "{instance_id}"
          }
        ]
      }
    }
  }
}
EOF

# append-config keeps the platform's configuration and replaces an earlier copy of this file.
if "$CTL" -a append-config -m ec2 -c "file:${CONFIG}" -s; then
  log "streaming /var/log/worker.stdout.log to ${group}"
else
  log "WARNING: could not configure the CloudWatch agent; worker log not streamed"
fi
exit 0
