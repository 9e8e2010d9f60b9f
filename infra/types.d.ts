/**
 * The shapes infra/'s generators pass around, for the type checker (`npm run typecheck` checks
 * infra/*.js under `// @ts-check`, tsconfig.infra.json). Nothing here exists at run time.
 */
import type { Config } from '../src/config/config';

/** What serverless hands a `${file(./infra/<file>.js):<name>}` generator. */
export interface Resolvers {
  resolveVariable: (address: string) => Promise<unknown>;
  resolveConfigurationProperty: (path: string[]) => Promise<unknown>;
}

export type Generator<T> = (resolvers: Resolvers) => Promise<T>;

/** A CloudFormation value: a literal, or an intrinsic function over values. */
export type CfnValue = string | number | boolean | null | CfnValue[] | { [key: string]: CfnValue | undefined };

// A type, not an interface, so a statement is a CfnValue as it stands.
export type IamStatement = {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: CfnValue;
  Condition?: CfnValue;
};

export interface KafkaAccess {
  eventSource: 'self-managed' | 'msk' | 'none';
  brokers: string[];
  saslMechanism: string;
  saslAccessType: string | undefined;
  secretArn: string | undefined;
  secretVersionId: string;
  mskClusterArn: string | undefined;
  vpc: { subnetIds: string[]; securityGroupIds: string[] } | undefined;
}

/** Where a table lives: in the stack's region (created by the stack) or in another (not). */
export interface TablePlace {
  region: string;
  /** Where the functions connect for it, when not the default endpoint of its region. */
  endpoint: string | undefined;
  inStack: boolean;
}

export interface Placement {
  stackRegion: string;
  /** The replica that holds the leader role on a fresh control state. */
  leaderReplica: string;
  replicas: Record<string, TablePlace>;
  control: TablePlace;
}

export interface StageSettings {
  service: string;
  stage: string;
  /** The stack's region (provider.region). */
  region: string;
  kafka: KafkaAccess;
  config: Config;
  /** REPLOG_LEADER_REPLICA, REPLOG_REPLICA_*, REPLOG_CONTROL_*, REPLOG_LEADER_WAIT_MS: serverless.yml's custom.replicaEnvironment. */
  replicaEnvironment: Record<string, string>;
  placement: Placement;
  metricsNamespace: string;
  functionName: (key: string) => string;
  follower: { batchSize: number; asyncWindow: number; lagThreshold: number };
}

/** A replica: the main one (the `<prefix>-leader` table) or a follower; each consumes the log. */
export interface ReplicaEntry {
  id: string;
  /** The main replica (id `main`), whose table is the config's `tables.leader`. */
  main: boolean;
  syncCapable: boolean;
  key: string;
  name: string;
  logical: string;
  functionLogicalId: string;
  logGroupLogicalId: string;
  table: string;
  /** LeaderTable for the main replica, FollowerTable<Id> for a follower. */
  tableLogicalId: string;
  place: TablePlace;
  /** Its table's ARN: Fn::GetAtt when the stack creates the table, built from its region otherwise. */
  tableArn: CfnValue;
  groupId: string;
}
