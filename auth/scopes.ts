// The scopes an API key carries (docs/CONTRACT.md "Authentication"): what the gateway's write
// APIs and the console's read API check. `admin` implies every other scope.
export const apiKeyScopes = ['results:write', 'otlp:write', 'definitions:read', 'read', 'admin'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/** Whether a key with `scopes` may do what `scope` allows (`admin` allows everything). */
export function hasScope(scopes: readonly string[], scope: ApiKeyScope): boolean {
  return scopes.includes(scope) || scopes.includes('admin');
}

/** The scopes of a record this version understands; unknown ones (a newer writer's) are ignored. */
export function knownScopes(scopes: readonly string[]): ApiKeyScope[] {
  return scopes.filter((scope): scope is ApiKeyScope => (apiKeyScopes as readonly string[]).includes(scope));
}

/** Parse `--scope results:write,otlp:write`; throws naming what is wrong. */
export function parseScopes(value: string): ApiKeyScope[] {
  const parts = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0) throw new Error(`--scope needs at least one of ${apiKeyScopes.join(', ')}`);
  for (const part of parts) {
    if (!(apiKeyScopes as readonly string[]).includes(part)) {
      throw new Error(`unknown scope '${part}': expected ${apiKeyScopes.join(', ')}`);
    }
  }
  return [...new Set(parts)] as ApiKeyScope[];
}
