// Every answer of the gateway's API counted by status code, for the pipeline-health rule on the
// share of 5xx (infra/vmalert/pipeline-health.rules.yml). Only the status: a label per path would
// grow with every robot and definition id in the URLs.
import type { NextFunction, Request, Response } from 'express';
import { Counter, type Registry } from 'prom-client';

export function countResponses(registry: Registry) {
  const responses = new Counter({
    name: 'primoart_gateway_http_responses_total',
    help: 'Answers of the gateway API, by HTTP status code',
    labelNames: ['code'],
    registers: [registry],
  });
  return (_req: Request, res: Response, next: NextFunction): void => {
    // 'finish' fires once the answer is handed to the network; a connection the client dropped first has no answer to count.
    res.once('finish', () => responses.inc({ code: String(res.statusCode) }));
    next();
  };
}
