/**
 * What a stand-in for Lambda's event source mappings must change when the deployed mappings
 * change: a pure decision over what the stack says now and what is running, so the runner that
 * acts on it (adapters/lambda/kafka-mapping-runner.ts) holds no policy of its own.
 */
export interface DeployedMapping {
  id: string;
  /** Only an Enabled mapping polls; Creating, Disabled, Updating and the rest do not. */
  enabled: boolean;
  /** Every setting that changes how the mapping polls or what it invokes, as one comparable string. */
  settings: string;
}

export interface MappingChanges {
  start: string[];
  stop: string[];
  /** Settings changed under a running poller: stop it, then start it with the new ones. */
  restart: string[];
}

export function planMappingChanges(deployed: readonly DeployedMapping[], running: ReadonlyMap<string, string>): MappingChanges {
  const changes: MappingChanges = { start: [], stop: [], restart: [] };
  const wanted = new Map(deployed.filter((m) => m.enabled).map((m) => [m.id, m.settings]));
  for (const [id, settings] of wanted) {
    const current = running.get(id);
    if (current === undefined) changes.start.push(id);
    else if (current !== settings) changes.restart.push(id);
  }
  for (const id of running.keys()) if (!wanted.has(id)) changes.stop.push(id);
  return changes;
}
