import { ApiGatewayV2Client, GetApisCommand } from '@aws-sdk/client-apigatewayv2';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { LambdaClient, ListEventSourceMappingsCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';

export interface EmulatorAccount {
  endpoint: string;
  region: string;
}

const clientConfig = (a: EmulatorAccount) => ({
  endpoint: a.endpoint,
  region: a.region,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  forcePathStyle: true,
});

/**
 * Everything of the stack `<prefix>` (serverless's `<service>-<stage>`) still in the account, by
 * listing each kind of resource the stack creates under its name, so a resource the stack forgot
 * to track is found too: the stack, functions and mappings, tables, the HTTP API, roles, the
 * deployment bucket, log groups, the schedule rule, the alarm topic and alarms.
 */
export async function stackLeftovers(account: EmulatorAccount, prefix: string): Promise<string[]> {
  const c = clientConfig(account);
  const left: string[] = [];
  const cloudformation = new CloudFormationClient(c);
  try {
    const { Stacks = [] } = await cloudformation.send(new DescribeStacksCommand({ StackName: prefix }));
    for (const s of Stacks) if (s.StackStatus !== 'DELETE_COMPLETE') left.push(`stack ${s.StackName} (${s.StackStatus})`);
  } catch (error) {
    if (!/does not exist/i.test((error as Error).message)) throw error;
  }
  const lambda = new LambdaClient(c);
  const { Functions = [] } = await lambda.send(new ListFunctionsCommand({}));
  for (const f of Functions) if (f.FunctionName?.startsWith(`${prefix}-`)) left.push(`function ${f.FunctionName}`);
  const { EventSourceMappings = [] } = await lambda.send(new ListEventSourceMappingsCommand({}));
  for (const m of EventSourceMappings) if (m.FunctionArn?.includes(`:function:${prefix}-`)) left.push(`event source mapping ${m.UUID}`);
  const { TableNames = [] } = await new DynamoDBClient(c).send(new ListTablesCommand({}));
  for (const t of TableNames) if (t.startsWith(`${prefix}-`)) left.push(`table ${t}`);
  const { Items = [] } = await new ApiGatewayV2Client(c).send(new GetApisCommand({}));
  for (const api of Items) if (api.Name === prefix) left.push(`HTTP API ${api.ApiId}`);
  const { Roles = [] } = await new IAMClient(c).send(new ListRolesCommand({}));
  for (const r of Roles) if (r.RoleName?.startsWith(`${prefix}-`)) left.push(`role ${r.RoleName}`);
  const { Buckets = [] } = await new S3Client(c).send(new ListBucketsCommand({}));
  for (const b of Buckets) if (b.Name?.startsWith(`${prefix}-`)) left.push(`bucket ${b.Name}`);
  const { logGroups = [] } = await new CloudWatchLogsClient(c).send(new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${prefix}-` }));
  for (const g of logGroups) left.push(`log group ${g.logGroupName}`);
  const { Rules = [] } = await new EventBridgeClient(c).send(new ListRulesCommand({ NamePrefix: `${prefix}-` }));
  for (const r of Rules) left.push(`rule ${r.Name}`);
  const { Topics = [] } = await new SNSClient(c).send(new ListTopicsCommand({}));
  for (const t of Topics) if (t.TopicArn?.endsWith(`:${prefix}-alarms`)) left.push(`topic ${t.TopicArn}`);
  const { MetricAlarms = [] } = await new CloudWatchClient(c).send(new DescribeAlarmsCommand({ AlarmNamePrefix: `${prefix}-` }));
  for (const a of MetricAlarms) left.push(`alarm ${a.AlarmName}`);
  return left;
}
