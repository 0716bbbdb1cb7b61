// gateway.rate_limit: records, not requests; a key may carry its own limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig as parseWith, sectionOf } from '../../../core/index.ts';
import { gatewayConfig } from '../../../ingest-gateway/config.ts';

// The gateway's section is the gateway's: the loader validates it with the schema it is handed.
const parseConfig = (text: string, file: string) => parseWith(text, file, { components: [gatewayConfig] });

const base = `
kafka:
  brokers: ["127.0.0.1:19092"]
schema_registry:
  url: "http://127.0.0.1:18081/apis/ccompat/v7"
gateway:
  listen: "127.0.0.1:18080"
`;

test('the default rate limit is one a busy OpenTelemetry Collector never reaches', () => {
  const gateway = sectionOf(parseConfig(base, 'primoart.yml'), gatewayConfig);
  assert.deepEqual(gateway?.rate_limit, {
    records_per_second: 100_000,
    burst: 200_000,
    failed_auth_burst: 20,
    failed_auth_per_minute: 10,
  });
});

test('requests_per_second is refused with what replaced it; a config key may have its own limit', () => {
  let problems: ConfigError['problems'] = [];
  try {
    parseConfig(`${base}  rate_limit:\n    requests_per_second: 50\n`, 'primoart.yml');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    problems = error.problems;
  }
  assert.equal(problems.length, 1);
  assert.match(problems[0]?.message ?? '', /replaced by records_per_second/);
  const withKey = parseConfig(
    `${base}  api_keys:\n    - { name: c, sha256: "${'a'.repeat(64)}", scopes: [otlp:write], rate_limit: 500 }\n`,
    'primoart.yml',
  );
  assert.equal(sectionOf(withKey, gatewayConfig).api_keys[0]?.rate_limit, 500);
  assert.throws(() =>
    parseConfig(
      `${base}  api_keys:\n    - { name: c, sha256: "${'a'.repeat(64)}", scopes: [otlp:write], rate_limit: 0 }\n`,
      'primoart.yml',
    ),
  );
});
