// Least privilege on the bus: what each process kind reads and writes, turned into Kafka ACL
// bindings for its identity, and applied idempotently (`primoart topics apply`). The processes
// declare their access next to their code (ingest-gateway/bus-access.ts, workers/bus-access.ts);
// the principals are the usernames of `kafka.identities` in the config being applied.
import type { AclBinding, Admin } from './port.ts';

export interface BusAccess {
  /** Topics the process consumes (its own group or a compacted view). */
  reads: readonly string[];
  /** Topics the process produces to. */
  writes: readonly string[];
}

/** Every consumer group of the project starts with this (workers' `primoart.<worker>`, views' `primoart.view.…`). */
export const groupPrefix = 'primoart.';

/** A worker's default consumer group (README "Scaling"): no other identity may join it. */
export const defaultGroupOf = (worker: string): string => `${groupPrefix}${worker}`;

export const principalOf = (username: string): string => `User:${username}`;

export interface BusIdentity {
  /** The process kind: `ingest-gateway` or a worker's name. */
  process: string;
  username: string;
  access: BusAccess;
}

/**
 * The bindings of one identity: READ on what it consumes, WRITE on what it produces (each implies
 * DESCRIBE), and READ on the project's consumer groups (tests and benches use throw-away groups,
 * an operator may set `group_id`), except the default groups of the other workers, which are
 * denied so that no identity can move another worker's offsets.
 */
export function aclBindingsOf(identity: BusIdentity, workers: readonly string[]): AclBinding[] {
  const principal = principalOf(identity.username);
  const bind = (
    resourceType: AclBinding['resourceType'],
    resourceName: string,
    operation: AclBinding['operation'],
    patternType: AclBinding['patternType'] = 'literal',
    permission: AclBinding['permission'] = 'allow',
  ): AclBinding => ({ principal, resourceType, resourceName, patternType, operation, permission });
  return [
    ...unique(identity.access.reads).map((topic) => bind('topic', topic, 'read')),
    ...unique(identity.access.writes).map((topic) => bind('topic', topic, 'write')),
    bind('group', groupPrefix, 'read', 'prefixed'),
    ...workers
      .filter((worker) => worker !== identity.process)
      .map((worker) => bind('group', defaultGroupOf(worker), 'read', 'literal', 'deny')),
  ];
}

const unique = (names: readonly string[]): string[] => [...new Set(names)];

export function bindingKey(binding: AclBinding): string {
  return [
    binding.principal,
    binding.permission,
    binding.operation,
    binding.resourceType,
    binding.patternType,
    binding.resourceName,
  ].join(' ');
}

export interface AclChange {
  action: 'created' | 'deleted';
  binding: AclBinding;
}

/**
 * Make the cluster's topic and group ACLs of these identities exactly the wanted ones: create what
 * is missing, delete what is no longer wanted (a topic a worker stopped reading). Idempotent.
 */
export async function applyAcls(
  admin: Admin,
  identities: readonly BusIdentity[],
  workers: readonly string[],
) {
  const wanted = identities.flatMap((identity) => aclBindingsOf(identity, workers));
  const current = await admin.describeAcls(identities.map((identity) => principalOf(identity.username)));
  const wantedKeys = new Set(wanted.map(bindingKey));
  const currentKeys = new Set(current.map(bindingKey));
  const missing = wanted.filter((binding) => !currentKeys.has(bindingKey(binding)));
  const stale = current.filter((binding) => !wantedKeys.has(bindingKey(binding)));
  await admin.createAcls(missing);
  await admin.deleteAcls(stale);
  const changes: AclChange[] = [
    ...missing.map((binding) => ({ action: 'created' as const, binding })),
    ...stale.map((binding) => ({ action: 'deleted' as const, binding })),
  ];
  return { changes, bindings: wanted.length };
}

export function describeBinding(binding: AclBinding): string {
  const pattern = binding.patternType === 'prefixed' ? '*' : '';
  return `${binding.principal} ${binding.permission} ${binding.operation} ${binding.resourceType} ${binding.resourceName}${pattern}`;
}

/**
 * The identities a config declares (`kafka.identities`), each with its process's access. A name
 * that is no process is an error: its ACLs would silently be missing.
 */
export function busIdentitiesOf(
  identities: Readonly<Record<string, { username: string }>>,
  accessByProcess: Readonly<Record<string, BusAccess>>,
): BusIdentity[] {
  return Object.entries(identities).map(([process, { username }]) => {
    const access = accessByProcess[process];
    if (access === undefined)
      throw new Error(
        `kafka.identities.${process}: no process of that name (${Object.keys(accessByProcess).join(', ')})`,
      );
    return { process, username, access };
  });
}
