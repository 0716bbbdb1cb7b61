// primoart fleet upload: generates a simulated fleet (the same options as generate.ts) or reads an
// NDJSON file made by it, and uploads the results to the ingest gateway in batches.
//
//   node scripts/fleet/upload.ts --seed 7 --weeks 4 --transactions 3 --scenarios
//   node scripts/fleet/upload.ts --from-file fleet.ndjson --gateway http://127.0.0.1:18080 --api-key pa_…
import { createProgress } from '../../core/progress.ts';
import { fleetPlanFor, generatorOptionsHelp, parseGenerateArguments } from './generate.ts';
import {
  defaultUploadOptions,
  maxBatchSize,
  ndjsonFileSource,
  planSource,
  summaryLine,
  type UploadSource,
  uploadFleet,
} from './uploader.ts';

const usage = `usage: node scripts/fleet/upload.ts [generator options | --from-file FILE] [upload options]

Uploads a simulated robot fleet's TransactionResult payloads to the ingest gateway
(POST /api/v1/transactions/results/upload, batch form), generated on the fly or read from an
NDJSON file made by generate.ts. Retries 429 and 503 after their Retry-After; stops at the first
result the gateway refuses and names its problems. What is uploaded where, progress (on a terminal
only, one line redrawn in place) and a summary go to standard error.

generator options (as for generate.ts):
${generatorOptionsHelp}
upload options:
  --from-file FILE     upload this NDJSON file instead of generating (no generator options then)
  --gateway URL        the gateway's base URL (default $PRIMOART_GATEWAY_URL)
  --api-key KEY        a key with results:write, not bound to one robot
                       (default $PRIMOART_API_KEY, else $PRIMOART_ADMIN_KEY from 'primoart env')
  --batch N            results per request, 1–${maxBatchSize} (default ${defaultUploadOptions.batchSize})
  --concurrency N      requests in flight (default ${defaultUploadOptions.concurrency})
  --help               show this help
`;

export interface UploadCommandOptions {
  gatewayUrl: string;
  apiKey: string;
  batchSize: number;
  concurrency: number;
  /** Set for --from-file; otherwise the generator's options make the source. */
  fromFile: string | undefined;
  generatorArguments: string[];
}

const valueOptions = ['gateway', 'api-key', 'batch', 'concurrency', 'from-file'] as const;
type ValueOption = (typeof valueOptions)[number];

/** Take this command's own options out of argv; everything else is for the generator. */
function splitArguments(argv: string[]): { own: Map<ValueOption, string>; rest: string[]; help: boolean } {
  const own = new Map<ValueOption, string>();
  const rest: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const [name, inline] = arg.startsWith('--') ? arg.slice(2).split(/=(.*)/s) : [];
    const option = valueOptions.find((candidate) => candidate === name);
    if (option === undefined) {
      rest.push(arg);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${option} needs a value`);
    own.set(option, value);
  }
  return { own, rest, help };
}

function integerIn(name: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new Error(`--${name} must be an integer from 1 to ${max}, got '${text}'`);
  return value;
}

/** Parse the command line; undefined means --help was asked for. */
export function parseUploadArguments(
  argv: string[],
  env: Record<string, string | undefined>,
): UploadCommandOptions | undefined {
  const { own, rest, help } = splitArguments(argv);
  if (help) return undefined;
  const fromFile = own.get('from-file');
  if (fromFile !== undefined && rest.length > 0)
    throw new Error(`--from-file uploads the file as it is; these do not apply: ${rest.join(' ')}`);
  if (rest.some((arg) => arg === '--out' || arg.startsWith('--out=')))
    throw new Error('--out is for generate.ts; upload sends the results to the gateway');
  const gatewayUrl = own.get('gateway') ?? env.PRIMOART_GATEWAY_URL;
  if (!gatewayUrl) throw new Error('--gateway is needed (or PRIMOART_GATEWAY_URL)');
  if (!URL.canParse(gatewayUrl)) throw new Error(`--gateway must be a URL, got '${gatewayUrl}'`);
  const apiKey = own.get('api-key') || env.PRIMOART_API_KEY || env.PRIMOART_ADMIN_KEY;
  if (!apiKey) throw new Error('--api-key is needed (or PRIMOART_API_KEY / PRIMOART_ADMIN_KEY)');
  return {
    gatewayUrl,
    apiKey,
    batchSize: integerIn('batch', own.get('batch'), defaultUploadOptions.batchSize, maxBatchSize),
    concurrency: integerIn('concurrency', own.get('concurrency'), defaultUploadOptions.concurrency, 64),
    fromFile,
    generatorArguments: rest,
  };
}

/** The source to upload: the file, or the plan the generator options describe. */
async function sourceFor(options: UploadCommandOptions, log: (line: string) => void): Promise<UploadSource> {
  if (options.fromFile !== undefined) {
    log(`uploading ${options.fromFile} to ${options.gatewayUrl}`);
    return ndjsonFileSource(options.fromFile);
  }
  const generate = parseGenerateArguments(options.generatorArguments, new Date());
  if (generate === undefined) throw new Error('unreachable: --help is handled before');
  const plan = fleetPlanFor(generate);
  log(
    `seed ${plan.seed}, ${plan.transactions.length} transactions, ${plan.from.toISOString()} → ${plan.to.toISOString()}, ${plan.scenarios.length} scenarios → ${options.gatewayUrl}`,
  );
  return planSource(plan);
}

/** `primoart fleet upload` and `node scripts/fleet/upload.ts`: the exit code. */
export async function uploadCommand(argv: string[]): Promise<number> {
  const log = (line: string) => process.stderr.write(`fleet upload: ${line}\n`);
  let options: UploadCommandOptions | undefined;
  let source: UploadSource;
  try {
    options = parseUploadArguments(argv, process.env);
    if (options === undefined) {
      process.stdout.write(usage);
      return 0;
    }
    source = await sourceFor(options, log);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  const startedAt = Date.now();
  // A line every few seconds would fill a CI log; there only the summary is written.
  const progress = createProgress({ live: process.stderr, out: process.stderr });
  try {
    const { gatewayUrl, apiKey, batchSize, concurrency } = options;
    const counts = await uploadFleet(source, {
      gatewayUrl,
      apiKey,
      batchSize,
      concurrency,
      progress: (line) => progress.update(`fleet upload: ${line}`),
      progressEveryMs: 1_000,
    });
    progress.done(`fleet upload: ${summaryLine(counts, Date.now() - startedAt)}`);
    return 0;
  } catch (error) {
    progress.done(`fleet upload: failed: ${(error as Error).message}`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await uploadCommand(process.argv.slice(2));
