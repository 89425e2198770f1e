#!/usr/bin/env bash
# Configuration deploys (`eb setenv`, option changes) may rewrite the CloudWatch agent's
# configuration too: re-apply the worker log streaming. One implementation, in hooks/.
exec /var/app/current/.platform/hooks/postdeploy/50_stream_worker_log.sh
