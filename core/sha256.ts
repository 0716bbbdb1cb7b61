// The SHA-256 of an API key, as the config file and the key topic store it: the gateway compares
// against it, and the local stack runner writes the admin key's into the config it generates.
import { createHash } from 'node:crypto';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
