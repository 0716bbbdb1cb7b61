// The forwarder's options from primoart.yml: what is left out takes the defaults of the `alerta` and
// `forwarding` schemas (core/config-schema.ts, workers/alerta-forwarder/config.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig, requireSection, sectionOf } from '../../../../core/config.ts';
import { componentConfigs } from '../../../../scripts/components.ts';
import { topics } from '../../../../topics/catalog.ts';
import { alertaForwarderConfig } from '../../../../workers/alerta-forwarder/config.ts';
import {
  defaultForwarderOptions,
  forwarderOptionsFromConfig,
} from '../../../../workers/alerta-forwarder/forwarder-options.ts';

const base = `
kafka: { brokers: ["127.0.0.1:19092"] }
schema_registry: { url: "http://127.0.0.1:18081" }
workers:
  alerta-forwarder: { listen: "127.0.0.1:0", state_file: "f.sqlite" }
`;

const parse = (text: string) => parseConfig(text, 'primoart.yml', { env: {}, components: componentConfigs });

test('only url and api_key: every other option is its default', () => {
  const config = parse(`${base}alerta: { url: "http://alerta:8080/api", api_key: "k" }\n`);
  const options = forwarderOptionsFromConfig(
    requireSection(config, 'alerta'),
    sectionOf(config, alertaForwarderConfig).forwarding,
  );
  assert.deepEqual(options, { ...defaultForwarderOptions, url: 'http://alerta:8080/api', apiKey: 'k' });
  // The default values, as they were before the schemas held them.
  assert.deepEqual(
    { ...options, deliveredRetentionMs: undefined },
    {
      url: 'http://alerta:8080/api',
      apiKey: 'k',
      origin: 'primoart/event-detector',
      environment: undefined,
      allowedEnvironments: ['production', 'staging', 'development', 'test'],
      environmentMap: {
        prod: 'production',
        prd: 'production',
        live: 'production',
        stage: 'staging',
        stg: 'staging',
        preprod: 'staging',
        'pre-prod': 'staging',
        uat: 'staging',
        dev: 'development',
        qa: 'test',
        testing: 'test',
      },
      unknownEnvironment: 'production',
      fallbackService: 'PrimoART',
      maxEventAgeMs: 15 * 60_000,
      requestTimeoutMs: 10_000,
      deliveredRetentionMs: undefined,
      heartbeatCheckIntervalMs: 60_000,
      heartbeatForgetAfterMs: 24 * 60 * 60_000,
      heartbeatOriginPrefix: 'primoart/',
      consoleUrl: undefined,
    },
  );
  assert.equal(options.deliveredRetentionMs, topics.events.retentionMs + 5 * 24 * 60 * 60_000);
  const alerta = requireSection(config, 'alerta');
  assert.equal(alerta.heartbeat_interval_ms, 30_000);
  assert.equal(alerta.heartbeat_timeout_ms, 120_000);
});

test('every key set is used', () => {
  const config = parse(
    `${base}alerta:
  url: "http://alerta"
  api_key: "k"
  environment: staging
  fallback_service: Shop
  request_timeout_ms: 2000
  heartbeat_interval_ms: 5000
  heartbeat_timeout_ms: 60000
`.replace(
      'state_file: "f.sqlite" }',
      'state_file: "f.sqlite", forwarding: { origin: o, max_event_age_ms: 1000, heartbeat_check_interval_ms: 7000, heartbeat_forget_after_ms: 8000, heartbeat_origin_prefix: p/, console_url: "https://console.example/primoart" } }',
    ),
  );
  const options = forwarderOptionsFromConfig(
    requireSection(config, 'alerta'),
    sectionOf(config, alertaForwarderConfig).forwarding,
  );
  assert.equal(options.environment, 'staging');
  assert.equal(options.fallbackService, 'Shop');
  assert.equal(options.requestTimeoutMs, 2000);
  assert.equal(options.origin, 'o');
  assert.equal(options.maxEventAgeMs, 1000);
  assert.equal(options.heartbeatCheckIntervalMs, 7000);
  assert.equal(options.heartbeatForgetAfterMs, 8000);
  assert.equal(options.heartbeatOriginPrefix, 'p/');
  assert.equal(options.consoleUrl, 'https://console.example/primoart');
});

test('a heartbeat timeout that is not whole seconds, an unknown key or a console URL that is not http(s) is a problem naming the path', () => {
  assert.throws(
    () => parse(`${base}alerta: { url: "http://a", api_key: "k", heartbeat_timeout_ms: 1500 }\n`),
    (error: unknown) => error instanceof ConfigError && error.message.includes('alerta.heartbeat_timeout_ms'),
  );
  assert.throws(
    () => parse(base.replace('state_file: "f.sqlite" }', 'state_file: "f", forwarding: { max_age: 1 } }')),
    (error: unknown) => error instanceof ConfigError && error.message.includes('forwarding'),
  );
  // The link is shown to operators: nothing but a web address.
  assert.throws(
    () =>
      parse(
        base.replace(
          'state_file: "f.sqlite" }',
          'state_file: "f", forwarding: { console_url: "javascript:alert(1)" } }',
        ),
      ),
    (error: unknown) => error instanceof ConfigError && error.message.includes('forwarding.console_url'),
  );
});
