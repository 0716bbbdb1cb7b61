// `/pipeline`: the operator's view of the stack (Prometheus' targets page): each process with
// whether its last scrape answered and it says it is ready, when it was last scraped, and per
// worker its consumer lag and the messages it dead-lettered in the last 24 hours.
import type { PipelineAnswer } from '../../api/pipeline.ts';
import type { WebPage } from '../router.ts';

export const pipelinePage: WebPage = {
  name: 'pipeline',
  path: '/pipeline',
  async handle({ api }) {
    const pipeline = await api<PipelineAnswer>('getPipeline');
    const state = (process: PipelineAnswer['processes'][number]) =>
      !process.up ? 'DOWN' : process.ready === false ? 'NOT READY' : 'UP';
    return {
      template: 'pipeline',
      title: 'Pipeline',
      data: {
        pipeline,
        processes: pipeline.processes.map((process) => ({ ...process, state: state(process) })),
        down: pipeline.processes.filter((process) => state(process) !== 'UP').length,
      },
    };
  },
};
