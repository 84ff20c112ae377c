"""Subscribers' lists (issue 47) in the stack: S3 tells the imports function of an uploaded list and of
an export asked for, and files of subscribers expire, every version of them."""

from __future__ import annotations

from chalicelib.imports import subscribers_job
from devstack.stack import load_template


def test_the_imports_queue_hears_of_lists_and_exports_and_subscriber_files_expire():
    bucket = load_template()["Resources"]["ContentBucket"]["Properties"]
    told = [[(r["Name"], r["Value"]) for r in c["Filter"]["S3Key"]["Rules"]]
            for c in bucket["NotificationConfiguration"]["QueueConfigurations"]
            if c["Queue"] == {"Fn::GetAtt": ["ImportsQueue", "Arn"]}]
    assert [("prefix", "imports/"), ("suffix", subscribers_job.UPLOAD)] in told
    assert [("prefix", "imports/"), ("suffix", subscribers_job.EXPORT_REQUEST)] in told
    [rule] = bucket["LifecycleConfiguration"]["Rules"]
    name, value = subscribers_job.EXPIRING.split("=")
    assert rule["TagFilters"] == [{"Key": name, "Value": value}] and rule["Status"] == "Enabled"
    assert rule["ExpirationInDays"] <= 7 and rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
