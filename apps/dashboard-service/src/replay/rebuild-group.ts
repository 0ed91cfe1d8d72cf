/** The dashboard's live consumer group: the contract's name (KEDA, the ACLs and operators rely on it). */
export const DASHBOARD_GROUP = 'dashboard-service';

const REBUILD_PREFIX = `${DASHBOARD_GROUP}.rebuild.`;
const REBUILD_GROUP = /(?:^|\.)dashboard-service\.rebuild\.(\d+)$/;

/** The consumer group that rebuilds a generation from the start of the log (before the namespace, if any). */
export const rebuildGroup = (generation: number): string => `${REBUILD_PREFIX}${generation}`;

/** The generation a (namespaced) group id rebuilds; undefined for any other group, the live one included. */
export function generationRebuiltBy(groupId: string | undefined): number | undefined {
  const match = groupId ? REBUILD_GROUP.exec(groupId) : null;
  return match ? Number(match[1]) : undefined;
}
