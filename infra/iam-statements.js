// @ts-check
'use strict';
/**
 * IAM building blocks shared by every function role (infra/iam.js, infra/followers.js). Values
 * returned to serverless are searched for ${...} variables again, so CloudFormation strings are
 * built with Fn::Join, never Fn::Sub.
 */

function lambdaTrustPolicy() {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
}

/**
 * Logs only into the function's own log group (serverless creates /aws/lambda/<name>).
 * @param {string} functionName
 * @returns {import('./types').IamStatement}
 */
function logStatement(functionName) {
  return {
    Sid: 'OwnLogGroup',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: {
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:log-group:/aws/lambda/${functionName}:*`],
      ],
    },
  };
}

/**
 * Network interfaces for functions in the brokers' VPC and for Kafka event source mappings that
 * reach brokers in a VPC. EC2 does not scope these actions to resources, hence `*`.
 * @returns {import('./types').IamStatement}
 */
function networkStatement() {
  return {
    Sid: 'VpcNetworking',
    Effect: 'Allow',
    Action: [
      'ec2:CreateNetworkInterface',
      'ec2:DeleteNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
      'ec2:DescribeVpcs',
      'ec2:DescribeSubnets',
      'ec2:DescribeSecurityGroups',
    ],
    Resource: '*',
  };
}

module.exports = { lambdaTrustPolicy, logStatement, networkStatement };
