// The baseline worker: the model's SQLite file and the codecs of its input and of its output.
import { fromAvroResult } from '../../schemas/index.ts';
import { topics } from '../../topics/catalog.ts';
import { defineWorker, prepareStateFile } from '../define-worker.ts';
import { BaselineStore } from './baseline-store.ts';
import { baselineConfig } from './config.ts';
import { baselineDefinition } from './definition.ts';
import { baselineSettingsFromConfig } from './settings.ts';

export const baselineWorker = defineWorker({
  config: baselineConfig,
  async create({ section, codec }) {
    const settings = baselineSettingsFromConfig(section.model);
    const store = new BaselineStore(prepareStateFile(section.state_file), settings);
    const definition = baselineDefinition({
      store,
      codec: await codec(topics.synthResults),
      fromRecord: fromAvroResult,
      baselineCodec: await codec(topics.baselines),
      forecastCodec: await codec(topics.forecasts),
    });
    return { definition, close: async () => store.close() };
  },
});
