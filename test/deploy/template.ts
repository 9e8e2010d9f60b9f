import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reading a packaged CloudFormation template in the shapes the deploy tests look at. */
export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string[]>>;
}

export interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface Template {
  Resources: Record<string, Resource>;
  Outputs: Record<string, unknown>;
}

export function loadTemplate(dir: string): Template {
  return JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
}

export function ofType(t: Template, type: string): [string, Resource][] {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

export function statementsOf(role: Resource): Statement[] {
  const policies = role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** The logical ids a statement's Resource points at through Fn::GetAtt (directly, in a list or in a Join). */
export function resourceIds(resource: unknown): string[] {
  if (Array.isArray(resource)) return resource.flatMap(resourceIds);
  if (resource && typeof resource === 'object') {
    const r = resource as Record<string, unknown>;
    if (Array.isArray(r['Fn::GetAtt'])) return [String(r['Fn::GetAtt'][0])];
    if (Array.isArray(r['Fn::Join'])) return resourceIds((r['Fn::Join'] as unknown[])[1]);
  }
  return [];
}

/** The role logical id a function uses (serverless writes it as Fn::GetAtt [role, Arn]). */
export function roleOf(fn: Resource): string {
  const [id] = resourceIds(fn.Properties.Role);
  if (!id) throw new Error('function without a role reference');
  return id;
}

/**
 * The ARNs a statement's Resource names, each rendered as a string: a stack resource's ARN as its
 * logical id (`LeaderTable`, `LeaderTable/index/outbox`), an ARN built with Fn::Join as written,
 * with `<partition>` and `<account>` for the pseudo parameters
 * (`arn:<partition>:dynamodb:us-east-2:<account>:table/replog-aws-follower-follower-3`).
 */
export function arnsOf(resource: unknown): string[] {
  const render = (value: unknown): string => {
    if (typeof value === 'string') return value;
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['Fn::GetAtt'])) return String(v['Fn::GetAtt'][0]);
    if (v.Ref === 'AWS::Partition') return '<partition>';
    if (v.Ref === 'AWS::AccountId') return '<account>';
    if (v.Ref === 'AWS::Region') return '<region>';
    if (Array.isArray(v['Fn::Join'])) {
      const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(separator);
    }
    throw new Error(`cannot render ${JSON.stringify(value)}`);
  };
  return (Array.isArray(resource) ? resource : [resource]).map(render);
}
