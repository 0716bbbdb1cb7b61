// The alerta-forwarder worker process.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { requireSection, runProcess, workerSection } from '../../core/index.ts';
import type { DetectedEventRecord } from '../../schemas/record-types.ts';
import { codecFor, openKafka } from '../../topics/bus.ts';
import { topics } from '../../topics/catalog.ts';
import { heartbeatOriginOf } from '../heartbeats.ts';
import { workerComponent } from '../worker-component.ts';
import { createAlertaClient } from './alerta-client.ts';
import { alertaForwarderDefinition, workerName } from './definition.ts';
import { DeliveredEvents } from './delivered-events.ts';
import { forwarderOptionsFromConfig } from './forwarder-options.ts';
import { defaultHeartbeatEnvironment, type HeartbeatWatch, startHeartbeatWatch } from './heartbeat-watch.ts';

export function runAlertaForwarder(args: string[]): Promise<never> {
  return runProcess({
    name: workerName,
    args,
    listen: (config) => workerSection(config, workerName).listen,
    async create(config, context) {
      const section = workerSection(config, workerName);
      const options = forwarderOptionsFromConfig(requireSection(config, 'alerta'), section.forwarding);
      if (section.state_file === undefined)
        throw new Error(
          `workers.${workerName}.state_file is required: the SQLite file of the events already sent`,
        );
      mkdirSync(path.dirname(path.resolve(section.state_file)), { recursive: true });
      const delivered = new DeliveredEvents(section.state_file);

      const kafka = await openKafka(context, config.kafka);
      const codec = await codecFor<DetectedEventRecord>(context, config.schema_registry.url, topics.events);
      const alerta = createAlertaClient(options);
      const definition = alertaForwarderDefinition({
        codec,
        alerta,
        delivered,
        options,
        metrics: context.metrics,
        logger: context.logger,
      });

      const component = workerComponent({
        definition,
        section,
        kafka,
        context,
        closeStore: async () => {
          await alerta.close();
          delivered.close();
        },
      });
      // Started once the worker joined (like its heartbeats), stopped before the client closes.
      let watch: HeartbeatWatch | undefined;
      return {
        ...component,
        async start() {
          await component.start();
          watch = startHeartbeatWatch({
            client: alerta,
            settings: {
              origin: heartbeatOriginOf(workerName, section.listen),
              environment: options.environment ?? defaultHeartbeatEnvironment,
              originPrefix: options.heartbeatOriginPrefix,
              intervalMs: options.heartbeatCheckIntervalMs,
              forgetAfterMs: options.heartbeatForgetAfterMs,
            },
            logger: context.logger,
            metrics: context.metrics,
          });
        },
        async stop() {
          await watch?.stop();
          await component.stop();
        },
      };
    },
  });
}
