"""Create the resources of ``infra/template.yaml`` in moto (local stack and tests).

The template is the only list of resources. moto's CloudFormation creates the
table, queues and bucket, but (moto 5.2) drops a bucket's
``NotificationConfiguration`` and ``VersioningConfiguration`` and ignores
``AWS::SQS::QueuePolicy``; this module reads those properties from the same
template, resolves their intrinsics against the created stack, and applies
them through the S3 and SQS APIs, so what runs locally is wired as in AWS.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from botocore.exceptions import ClientError

from chalicelib.config import Config

TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "infra" / "template.yaml"


# Types moto's CloudFormation cannot create (moto 5.1) and that nothing local
# needs: alarms watch the deployed stack; the cursor and origin secrets reach the
# functions through a parameter reference that only CloudFormation resolves
# (locally the default secret in chalicelib/config.py signs cursors).
# AWS WAF's web ACL sits in front of CloudFront, which the local stack does not make either (moto 5.2's
# CloudFormation has no AWS::WAFv2 types; the template makes it only with a distribution, in us-east-1).
# SES's configuration set, its event destination and the sending domain: moto's CloudFormation has no
# AWS::SES types; the configuration set is made through the API below (moto's SES publishes no events).
NOT_LOCAL = {"AWS::CloudWatch::Alarm", "AWS::SecretsManager::Secret", "AWS::WAFv2::WebACL",
             "AWS::SES::ConfigurationSet", "AWS::SES::ConfigurationSetEventDestination", "AWS::SES::EmailIdentity"}
# moto's CloudFormation has no Cognito: the desk's pool is made through the API (devstack/desk.py),
# and what refers to these (the desk's roles) goes with them.
NOT_LOCAL_WITH_DEPENDENTS = {"AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolGroup",
                             "AWS::Cognito::IdentityPool", "AWS::Cognito::IdentityPoolRoleAttachment"}


@dataclass(frozen=True)
class Stack:
    """Names of what the template created."""

    name: str
    table: str
    bucket: str
    queue_name: str
    queue_url: str
    dead_letter_queue_url: str
    moderation_topic: str  # ARN
    images_queue_url: str = ""  # uploads under media/, for the images function
    imports_queue_url: str = ""  # WordPress exports uploaded in the desk, for the imports function
    newsletters_queue_url: str = ""  # a send's plan steps and batches, for the newsletters function
    newsletter_events_queue_url: str = ""  # SES's events (through the topic), for the newsletter_events function
    newsletter_events_topic: str = ""  # ARN: where SES publishes the configuration set's events


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as a dict (it uses long-form intrinsics, so plain YAML reads it)."""
    template: dict[str, Any] = yaml.safe_load(path.read_text())
    return template


def infra_only(template: dict[str, Any]) -> dict[str, Any]:
    """The resources that exist without Chalice's: what the local stack creates.

    Entries without a Type are overrides merged into Chalice's resources; a
    resource or output that refers to a name the template does not define
    (Chalice's ``APIHandler``, ``RestAPI``...), or to a resource so dropped,
    is dropped too.
    """
    resources = {name: r for name, r in template["Resources"].items() if "Type" in r}
    defined = set(resources) | set(template.get("Parameters", {}))
    while True:
        kept = {name: r for name, r in resources.items()
                if all(ref in defined or ref.startswith("AWS::") for ref in references(r))}
        if kept.keys() == resources.keys():
            break
        resources = kept
        defined = set(resources) | set(template.get("Parameters", {}))
    outputs = {name: o for name, o in template.get("Outputs", {}).items()
               if all(ref in defined or ref.startswith("AWS::") for ref in references(o))}
    return {**template, "Resources": resources, "Outputs": outputs}


def references(value: Any) -> set[str]:
    """The logical names that ``value`` refers to (Ref, Fn::GetAtt, Fn::Sub)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref":
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else item.split(".")[0])
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) else item
                found |= {m.split(".")[0] for m in re.findall(r"\$\{(?!!)([^}]+)\}", text)}
                if isinstance(item, list):
                    found -= set(item[1])
                    found |= references(item[1])
            else:
                found |= references(item)
    return found


def create_stack(session: Any, stage: str = "dev", name_prefix: str = "newsroom",
                 endpoint_url: str | None = None) -> Stack:
    """Create the template's resources with ``session`` (a boto3 Session) and wire them up."""
    loaded = load_template()
    loaded["Resources"] = {name: r for name, r in loaded["Resources"].items()
                           if r.get("Type") not in NOT_LOCAL_WITH_DEPENDENTS}
    template = infra_only(loaded)
    template["Resources"] = {name: r for name, r in template["Resources"].items()
                             if r["Type"] not in NOT_LOCAL}
    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint_url)

    cfn, s3, sqs, sts = client("cloudformation"), client("s3"), client("sqs"), client("sts")
    stack_name = f"{name_prefix}-{stage}"
    # moto warns that it skips the queue policies; they are applied below, so the warning is noise.
    warnings.filterwarnings("ignore", message="Tried to parse AWS::SQS::QueuePolicy", category=UserWarning)
    # Nor does it make SNS subscriptions (the SES events' topic to its queue: made below) or topic
    # policies (on AWS they let SES publish; moto's SNS needs none).
    warnings.filterwarnings("ignore", message="Tried to parse AWS::SNS::Subscription", category=UserWarning)
    warnings.filterwarnings("ignore", message="Tried to parse AWS::SNS::TopicPolicy", category=UserWarning)
    cfn.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": "Stage", "ParameterValue": stage},
                    {"ParameterKey": "NamePrefix", "ParameterValue": name_prefix},
                    {"ParameterKey": "EnableCdn", "ParameterValue": "false"}],  # no CloudFront locally
    )
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"]
                for r in cfn.describe_stack_resources(StackName=stack_name)["StackResources"]
                if r.get("LogicalResourceId")}  # moto lists unsupported resources without ids
    for logical, resource in template["Resources"].items():
        if resource["Type"] == "AWS::SQS::Queue":  # a URL valid for this endpoint
            name = physical[logical].rsplit("/", 1)[-1]
            physical[logical] = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    resolver = _Resolver(
        parameters={"Stage": stage, "NamePrefix": name_prefix, "AWS::AccountId": sts.get_caller_identity()["Account"],
                    "AWS::Region": session.region_name, "AWS::Partition": "aws", "AWS::StackName": stack_name},
        physical=physical, template=template, sqs=sqs,
    )
    for logical, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::SQS::QueuePolicy":
            policy = json.dumps(resolver.resolve(props["PolicyDocument"]))
            for queue in resolver.resolve(props["Queues"]):
                sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": policy})
        elif resource["Type"] == "AWS::SNS::Subscription" and props.get("Protocol") == "sqs":
            # moto's CloudFormation makes no SNS subscription: subscribe the queue through the API.
            client("sns").subscribe(TopicArn=resolver.resolve(props["TopicArn"]), Protocol="sqs",
                                    Endpoint=resolver.resolve(props["Endpoint"]),
                                    Attributes={"RawMessageDelivery": str(props.get("RawMessageDelivery", False)).lower()})
        elif resource["Type"] == "AWS::S3::Bucket":
            bucket = physical[logical]
            if "VersioningConfiguration" in props:
                s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={
                    "Status": props["VersioningConfiguration"]["Status"]})
            if "NotificationConfiguration" in props:
                s3.put_bucket_notification_configuration(
                    Bucket=bucket,
                    NotificationConfiguration=_notification_api_shape(
                        resolver.resolve(props["NotificationConfiguration"])))
    # Newsletters' sender: in AWS a domain the stack's owner verified (docs/deploy.md); here the
    # default sender's domain, so the stand-in's SES accepts what the site sends (and keeps it: the outbox).
    ses = client("sesv2")
    try:
        ses.create_email_identity(EmailIdentity=Config().mail_from.rpartition("@")[2])
    except ses.exceptions.AlreadyExistsException:
        pass  # another stage's or prefix's stack in the same stand-in verified it
    _make_configuration_set(client, loaded, resolver, physical, f"{name_prefix}-{stage}-newsletters")
    outputs = {o["OutputKey"]: o["OutputValue"]
               for o in cfn.describe_stacks(StackName=stack_name)["Stacks"][0].get("Outputs", [])}
    queue_url = physical["IngestQueue"]
    return Stack(
        name=stack_name,
        table=outputs.get("ContentTableName") or physical["ContentTable"],
        bucket=outputs.get("ContentBucketName") or physical["ContentBucket"],
        queue_name=queue_url.rsplit("/", 1)[-1],
        queue_url=queue_url,
        dead_letter_queue_url=physical["IngestDeadLetterQueue"],
        moderation_topic=physical["ModerationTopic"],
        images_queue_url=physical["ImagesQueue"],
        imports_queue_url=physical.get("ImportsQueue", ""),
        newsletters_queue_url=physical.get("NewslettersQueue", ""),
        newsletter_events_queue_url=physical.get("NewsletterEventsQueue", ""),
        newsletter_events_topic=physical.get("NewsletterEventsTopic", ""),
    )


def _make_configuration_set(client: Any, template: dict[str, Any], resolver: _Resolver, physical: dict[str, str],
                            name: str) -> None:
    """The template's SES configuration set and its SNS event destination, through SES's API (moto's
    CloudFormation has no AWS::SES types); moto publishes its events (devstack.moto_gaps)."""
    ses = client("sesv2")
    destination = template["Resources"]["MailEventDestination"]["Properties"]["EventDestination"]
    topic, named = physical["NewsletterEventsTopic"], f"{name}-{destination['Name']}"
    try:
        ses.create_configuration_set(ConfigurationSetName=name)
    except ClientError as exc:  # moto's SES v2 answers with SES v1's code
        if exc.response["Error"]["Code"] not in ("AlreadyExistsException", "ConfigurationSetAlreadyExistsException"):
            raise
        return  # an earlier stack of this name in the same stand-in made it (its topic has the same name)
    client("ses").create_configuration_set_event_destination(ConfigurationSetName=name, EventDestination={
        "Name": named, "Enabled": destination["Enabled"],
        "MatchingEventTypes": destination["MatchingEventTypes"], "SNSDestination": {"TopicARN": topic}})


def _notification_api_shape(config: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's NotificationConfiguration -> the S3 API's shape."""
    queues = []
    for entry in config.get("QueueConfigurations", []):
        rules = entry.get("Filter", {}).get("S3Key", {}).get("Rules", [])
        queue = {"QueueArn": entry["Queue"], "Events": [entry["Event"]]}
        if rules:
            queue["Filter"] = {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}
        queues.append(queue)
    return {"QueueConfigurations": queues}


class _Resolver:
    """Resolves Ref, Fn::GetAtt and Fn::Sub against a created stack."""

    def __init__(self, parameters: dict[str, str], physical: dict[str, str], template: dict[str, Any], sqs: Any):
        self.parameters = parameters
        self.physical = physical
        self.types = {k: v["Type"] for k, v in template["Resources"].items()}
        self.sqs = sqs

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            return self._ref(value["Ref"])
        if set(value) == {"Fn::GetAtt"}:
            logical, attribute = value["Fn::GetAtt"]
            return self._get_att(logical, attribute)
        if set(value) == {"Fn::Sub"}:
            # ${!Literal} is the text ${Literal} (an IAM policy variable), as CloudFormation's Fn::Sub writes it
            return re.sub(r"\$\{([^}]+)\}", lambda m: "${" + m.group(1)[1:] + "}" if m.group(1).startswith("!")
                          else str(self._get_att(*m.group(1).split(".", 1)) if "." in m.group(1)
                                   else self._ref(m.group(1))), value["Fn::Sub"])
        return {k: self.resolve(v) for k, v in value.items()}

    def _ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        return self.physical[name]

    def _get_att(self, logical: str, attribute: str) -> str:
        if self.types[logical] == "AWS::SQS::Queue":
            attrs = self.sqs.get_queue_attributes(QueueUrl=self.physical[logical], AttributeNames=["QueueArn"])
            if attribute == "Arn":
                return str(attrs["Attributes"]["QueueArn"])
            if attribute == "QueueName":
                return self.physical[logical].rsplit("/", 1)[-1]
        raise ValueError(f"cannot resolve Fn::GetAtt {logical}.{attribute} locally")
