// The alerta-forwarder worker: the state file of events already sent, the Alerta client, and the
// heartbeat watch as its periodic task (from the moment the worker joined, stopped before the
// client closes).
import { requireSection } from '../../core/index.ts';
import { topics } from '../../topics/catalog.ts';
import { defineWorker, prepareStateFile } from '../define-worker.ts';
import { heartbeatOriginOf } from '../heartbeats.ts';
import { createAlertaClient } from './alerta-client.ts';
import { alertaForwarderConfig } from './config.ts';
import { alertaForwarderDefinition, workerName } from './definition.ts';
import { DeliveredEvents } from './delivered-events.ts';
import { forwarderOptionsFromConfig } from './forwarder-options.ts';
import { defaultHeartbeatEnvironment, heartbeatCheck } from './heartbeat-watch.ts';

export const alertaForwarderWorker = defineWorker({
  config: alertaForwarderConfig,
  async create({ section, config, context, codec }) {
    const options = forwarderOptionsFromConfig(requireSection(config, 'alerta'), section.forwarding);
    const delivered = new DeliveredEvents(prepareStateFile(section.state_file));
    const alerta = createAlertaClient(options);
    const definition = alertaForwarderDefinition({
      codec: await codec(topics.events),
      alerta,
      delivered,
      options,
      metrics: context.metrics,
      logger: context.logger,
    });
    const watch = heartbeatCheck({
      client: alerta,
      settings: {
        origin: heartbeatOriginOf(workerName, section.listen),
        environment: options.environment ?? defaultHeartbeatEnvironment,
        originPrefix: options.heartbeatOriginPrefix,
        forgetAfterMs: options.heartbeatForgetAfterMs,
      },
      logger: context.logger,
      metrics: context.metrics,
    });
    return {
      definition: {
        ...definition,
        periodic: [
          {
            name: 'heartbeat watch',
            everyMs: options.heartbeatCheckIntervalMs,
            startNow: true,
            run: async () => {
              await watch();
              return undefined;
            },
          },
        ],
      },
      async close() {
        await alerta.close();
        delivered.close();
      },
    };
  },
});
