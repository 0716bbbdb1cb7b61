// Local credentials, generated on first `up` into <stateDir>/secrets.json (mode 0600).
// Nothing here is ever committed; a new state directory gets new credentials.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaIdentities } from './kafka-identities.ts';

export interface StackSecrets {
  /** Password of the `primoart` PostgreSQL superuser of the local cluster. */
  postgresPassword: string;
  minioAccessKey: string;
  minioSecretKey: string;
  /** A fixed Alerta admin API key, created with `alertad key`. */
  alertaAdminKey: string;
  /** Flask SECRET_KEY for Alerta. */
  alertaSecretKey: string;
  /** The PrimoART admin API key (scope `admin`), printed by `primoart env`. */
  adminApiKey: string;
  /** The broker's own password on its internal and controller listeners (SASL/PLAIN). */
  kafkaBrokerPassword: string;
  /** SCRAM passwords of the Kafka identities (kafka-identities.ts), by identity. */
  kafkaPasswords: Record<string, string>;
}

const token = (bytes: number): string => randomBytes(bytes).toString('base64url');

export function generateSecrets(): StackSecrets {
  return {
    postgresPassword: token(18),
    minioAccessKey: `primoart-${token(6)}`,
    minioSecretKey: token(24),
    alertaAdminKey: token(24),
    alertaSecretKey: token(24),
    adminApiKey: `pa_${token(24)}`,
    kafkaBrokerPassword: token(24),
    kafkaPasswords: Object.fromEntries(kafkaIdentities.map((identity) => [identity, token(24)])),
  };
}

export function secretsFile(stateDir: string): string {
  return join(stateDir, 'secrets.json');
}

function write(file: string, secrets: StackSecrets): void {
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Read the stack's secrets, creating the file on first use. A file written by an older version
 * that lacks a field is completed once and written back, so the new credential stays stable.
 */
export function loadOrCreateSecrets(stateDir: string): StackSecrets {
  const file = secretsFile(stateDir);
  if (!existsSync(file)) {
    const secrets = generateSecrets();
    write(file, secrets);
    return secrets;
  }
  const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<StackSecrets>;
  const generated = generateSecrets();
  // Identities are completed one by one too: a new worker gets its password, the others keep theirs.
  const secrets = {
    ...generated,
    ...stored,
    kafkaPasswords: { ...generated.kafkaPasswords, ...stored.kafkaPasswords },
  };
  const incomplete =
    Object.keys(secrets).some((key) => !(key in stored)) ||
    kafkaIdentities.some((identity) => stored.kafkaPasswords?.[identity] === undefined);
  if (incomplete) write(file, secrets);
  return secrets;
}
