"""Counts for the operators, as CloudWatch's embedded metric format: one JSON log line each.

Lambda ships every log line to CloudWatch Logs, which turns a line carrying
``_aws.CloudWatchMetrics`` into a metric point; the alarms in
``infra/template.yaml`` watch them. No client, no request.
"""

from __future__ import annotations

import time
from typing import Any

from chalicelib import config

NAMESPACE = "Newsroom"


def counted(metric: str, **fields: Any) -> dict[str, Any]:
    """A log record that counts one ``metric`` (dimension: the stage), with ``fields`` beside it."""
    return {"_aws": {"Timestamp": int(time.time() * 1000), "CloudWatchMetrics": [
        {"Namespace": NAMESPACE, "Dimensions": [["Stage"]], "Metrics": [{"Name": metric, "Unit": "Count"}]}]},
        "Stage": config.current().stage, metric: 1, **fields}
