// The local stack's Kafka identities: an admin for the CLI and tests (a super user), and one per
// process kind the stack runs, whose ACLs `primoart topics apply` derives from its bus access.
import { consoleProcessName } from '../../console/bus-access.ts';
import { gatewayProcessName } from '../../ingest-gateway/bus-access.ts';
import { workerNames } from '../../workers/bus-access.ts';

export const kafkaAdminIdentity = 'admin';

export const kafkaProcessIdentities: readonly string[] = [
  gatewayProcessName,
  consoleProcessName,
  ...workerNames,
];

export const kafkaIdentities: readonly string[] = [kafkaAdminIdentity, ...kafkaProcessIdentities];

/** The SCRAM username (and ACL principal `User:<name>`) of an identity. */
export const kafkaUsername = (identity: string): string => `primoart-${identity}`;

/** The broker's own identity on its internal and controller listeners (SASL/PLAIN, a super user). */
export const kafkaBrokerUsername = 'primoart-broker';
