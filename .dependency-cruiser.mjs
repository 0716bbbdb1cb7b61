// The house's import boundaries (README "Layout"): an arrow only points down.
//
//   scripts/, test/, infra/                  may import anything
//   console/   ingest-gateway/   workers/<name>/
//        auth/                                API keys: what the gateway and the console share
//                      topics/                the bus
//           schemas/        core/             contracts; the ground floor
//
// What two workers share is a contract (schemas/) or frame (the workers/*.ts root files, core/),
// never one worker's folder. Run by `scripts/primoart test`; alone: `npx depcruise .`

const above = (...folders) => `^(${folders.join('|')})/`;
const tools = ['infra', 'scripts', 'test'];
const rule = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });

export default {
  forbidden: [
    rule(
      'core-imports-nothing-of-ours',
      'core/ is the ground floor: config, logs, metrics, lifecycle',
      { path: '^core/' },
      { path: above('schemas', 'topics', 'auth', 'console', 'ingest-gateway', 'workers', ...tools) },
    ),
    rule(
      'schemas-import-only-core',
      'the contracts stand on core/ alone',
      { path: '^schemas/' },
      { path: above('topics', 'auth', 'console', 'ingest-gateway', 'workers', ...tools) },
    ),
    rule(
      'topics-import-only-core-and-schemas',
      'the bus knows records, not who reads or writes them',
      { path: '^topics/' },
      { path: above('auth', 'console', 'ingest-gateway', 'workers', ...tools) },
    ),
    rule(
      'auth-imports-no-process',
      'API keys (lookup, the keys topic view, scopes) serve the gateway and the console and know neither',
      { path: '^auth/' },
      { path: above('console', 'ingest-gateway', 'workers', ...tools) },
    ),
    rule(
      'gateway-imports-no-process-of-another-kind',
      'the write API knows the bus, never a worker or the console',
      { path: '^ingest-gateway/' },
      { path: above('console', 'workers', ...tools) },
    ),
    rule(
      'console-imports-no-process-of-another-kind',
      'the read API knows the stores, never the gateway or a worker',
      { path: '^console/' },
      { path: above('ingest-gateway', 'workers', ...tools) },
    ),
    rule(
      'web-console-reads-only-the-read-api',
      'a page shows what the read API answers (answerEndpoint), never its own query of a store',
      { path: '^console/web/' },
      { path: '^console/queries/' },
    ),
    rule(
      'worker-imports-no-gateway-console-auth-or-infra',
      'a worker stands on the frame, the bus, the contracts and core/; it checks no API keys',
      { path: '^workers/' },
      { path: above('ingest-gateway', 'console', 'auth', ...tools) },
    ),
    rule(
      'worker-imports-no-other-worker',
      'what two workers share belongs in schemas/ (a contract) or the workers/ root (frame)',
      { path: '^workers/([^/]+)/' },
      { path: '^workers/[^/]+/', pathNot: '^workers/$1/' },
    ),
    rule(
      'worker-frame-imports-no-worker',
      'the frame (workers/*.ts) serves every worker and knows none',
      { path: '^workers/[^/]+\\.ts$' },
      { path: '^workers/[^/]+/' },
    ),
  ],
  options: {
    // swc parses TypeScript (typescript 7 has no compiler API for dependency-cruiser yet); type-only
    // imports count as dependencies too.
    parser: 'swc',
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
  },
};
