// The alerta-forwarder worker process.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { requireSection, runProcess, workerSection } from '../../core/index.ts';
import { codecFor, openKafka } from '../../topics/bus.ts';
import { topics } from '../../topics/catalog.ts';
import type { DetectedEventRecord } from '../event-detector/event-record.ts';
import { workerComponent } from '../worker-component.ts';
import { createAlertaClient } from './alerta-client.ts';
import { alertaForwarderDefinition, workerName } from './definition.ts';
import { DeliveredEvents } from './delivered-events.ts';
import { forwarderOptionsFromConfig } from './forwarder-options.ts';

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

      return workerComponent({
        definition,
        section,
        kafka,
        context,
        closeStore: async () => {
          await alerta.close();
          delivered.close();
        },
      });
    },
  });
}
