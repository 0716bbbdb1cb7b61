// Validation of one uploaded TransactionResult against CONTRACT.md "Robot results". Every problem is
// reported, each at the path of the field it concerns; checks that relate fields (step times against
// the run, screenshots against steps) run whenever the fields they need are themselves valid.

import {
  type Check,
  charactersOver,
  FieldReader,
  integer,
  knownFieldsObject,
  numberBetween,
  oneOf,
  text,
  time,
  unstorableTextReason,
  utf8Text,
  uuid,
} from './field-checks.ts';
import {
  type Location,
  locationPayloadFields,
  runStatuses,
  type ScreenshotContentType,
  type Step,
  screenshotContentTypes,
  screenshotPayloadFields,
  stepPayloadFields,
  transactionResultPayloadFields,
  type ValidScreenshot,
  type ValidTransactionResult,
} from './record-types.ts';
import { decodedBase64Length, decodeStrictBase64, detectImageType, inspectImage } from './screenshot-data.ts';
import {
  describeJsonType,
  fieldPath,
  isPlainObject,
  itemPath,
  ProblemList,
  type Validation,
  type ValidationError,
} from './validation-problems.ts';

export const transactionResultLimits = {
  transactionNameMaxChars: 256,
  serviceMaxChars: 128,
  projectMaxChars: 128,
  robotNameMaxChars: 256,
  environmentMaxChars: 64,
  /** Each of location.city, location.region, location.country. */
  locationTextMaxChars: 128,
  stepNameMaxChars: 256,
  errorMessageMaxBytes: 8 * 1024,
  logMaxBytes: 1024 * 1024,
  minSteps: 1,
  maxSteps: 500,
  maxScreenshots: 20,
  screenshotMaxBytes: 5 * 1024 * 1024,
  maxAttributes: 64,
  attributeKeyMaxChars: 128,
  attributeValueMaxChars: 1024,
  /** How far finished_at may lie ahead of the gateway's clock (robot clocks drift). */
  finishedAtMaxFutureMs: 5 * 60 * 1000,
  /** How far a step's times may lie outside the run's interval. */
  stepOutsideRunToleranceMs: 1000,
} as const;

export interface TransactionResultValidationOptions {
  /** The gateway's clock, for the "finished_at not in the future" rule. */
  now: Date;
  /** Environment of results that name none (config, e.g. `production`). */
  defaultEnvironment: string;
  /** Problems named in the answer at most (more are only counted); default maxReportedProblems. */
  maxErrors?: number;
}

const limits = transactionResultLimits;

const fieldsOf = (fields: object): readonly string[] => Object.keys(fields);
const resultShape = {
  fields: fieldsOf(transactionResultPayloadFields),
  describedAs: 'a TransactionResult object',
};
const locationShape = { fields: fieldsOf(locationPayloadFields), describedAs: 'a location object' };
const stepShape = { fields: fieldsOf(stepPayloadFields), describedAs: 'a step object' };
const screenshotShape = { fields: fieldsOf(screenshotPayloadFields), describedAs: 'a screenshot object' };

const status = oneOf(runStatuses);
const errorMessage = utf8Text(limits.errorMessageMaxBytes);
const locationText = text({ maxChars: limits.locationTextMaxChars });

function formatSeconds(millis: number): string {
  return `${(millis / 1000).toFixed(3).replace(/\.?0+$/, '')} s`;
}

/** The run's [started_at, finished_at], as far as it is known and makes sense. */
interface RunInterval {
  startedAt: number | undefined;
  finishedAt: number | undefined;
}

const location: Check<Location> = (value, path, problems) => {
  const object = knownFieldsObject(value, path, problems, locationShape);
  if (object === undefined) return undefined;
  const fields = new FieldReader(object, path, problems);
  return {
    city: fields.optional('city', locationText),
    region: fields.optional('region', locationText),
    country: fields.optional('country', locationText),
    latitude: fields.optional('latitude', numberBetween(-90, 90)),
    longitude: fields.optional('longitude', numberBetween(-180, 180)),
  };
};

function checkStepTime(
  stepTime: number | undefined,
  path: string,
  run: RunInterval,
  problems: ProblemList,
): void {
  if (stepTime === undefined) return;
  const tolerance = limits.stepOutsideRunToleranceMs;
  // Only worded when there is a problem: this runs for every step of every result.
  const allowed = () => `the run's interval (${formatSeconds(tolerance)} tolerance)`;
  if (run.startedAt !== undefined && stepTime < run.startedAt - tolerance) {
    problems.add(
      path,
      `must be within ${allowed()}; it is ${formatSeconds(run.startedAt - stepTime)} before the run's started_at`,
    );
  } else if (run.finishedAt !== undefined && stepTime > run.finishedAt + tolerance) {
    problems.add(
      path,
      `must be within ${allowed()}; it is ${formatSeconds(stepTime - run.finishedAt)} after the run's finished_at`,
    );
  }
}

function readStep(
  value: unknown,
  path: string,
  run: RunInterval,
  problems: ProblemList,
): Partial<Step> | undefined {
  const object = knownFieldsObject(value, path, problems, stepShape);
  if (object === undefined) return undefined;
  const fields = new FieldReader(object, path, problems);
  const startedAt = fields.required('started_at', time);
  const finishedAt = fields.required('finished_at', time);
  if (startedAt !== undefined && finishedAt !== undefined && finishedAt < startedAt) {
    problems.add(
      fields.pathOf('finished_at'),
      `must not be before the step's started_at (it is ${formatSeconds(startedAt - finishedAt)} earlier)`,
    );
  }
  checkStepTime(startedAt, fields.pathOf('started_at'), run, problems);
  checkStepTime(finishedAt, fields.pathOf('finished_at'), run, problems);
  return {
    index: fields.required('index', integer({ min: 0 })),
    name: fields.required('name', text({ minChars: 1, maxChars: limits.stepNameMaxChars })),
    started_at: startedAt === undefined ? undefined : new Date(startedAt),
    finished_at: finishedAt === undefined ? undefined : new Date(finishedAt),
    status: fields.required('status', status),
    error_message: fields.optional('error_message', errorMessage),
  };
}

function readSteps(
  value: unknown,
  path: string,
  run: RunInterval,
  problems: ProblemList,
): Array<Partial<Step> | undefined> | undefined {
  if (!Array.isArray(value)) {
    problems.add(path, `must be an array of steps, got ${describeJsonType(value)}`);
    return undefined;
  }
  if (value.length < limits.minSteps) problems.add(path, 'must hold at least 1 step');
  if (value.length > limits.maxSteps) {
    // Refused as a whole: judging a million steps would only describe a request that cannot pass.
    problems.add(path, `must hold at most ${limits.maxSteps} steps, got ${value.length}`);
    return undefined;
  }
  const steps: Array<Partial<Step> | undefined> = [];
  for (const [position, item] of value.entries()) {
    // A full list means the result is refused anyway: the remaining steps would only add work.
    if (problems.full) break;
    steps.push(readStep(item, itemPath(path, position), run, problems));
  }
  const firstPositionOfIndex = new Map<number, number>();
  steps.forEach((step, position) => {
    if (step?.index === undefined) return;
    const first = firstPositionOfIndex.get(step.index);
    if (first === undefined) {
      firstPositionOfIndex.set(step.index, position);
    } else {
      problems.add(
        fieldPath(itemPath(path, position), 'index'),
        `must be unique; ${itemPath(path, first)} already has index ${step.index}`,
      );
    }
  });
  return steps;
}

const imageFormatNames: Record<ScreenshotContentType, string> = {
  'image/png': 'PNG',
  'image/jpeg': 'JPEG',
  'image/webp': 'WebP',
};

function readScreenshotData(
  value: unknown,
  path: string,
  declaredType: ScreenshotContentType | undefined,
  problems: ProblemList,
): Buffer | undefined {
  if (typeof value !== 'string') {
    problems.add(path, `must be a base64 string, got ${describeJsonType(value)}`);
    return undefined;
  }
  if (value === '') {
    problems.add(path, 'must not be empty');
    return undefined;
  }
  // Checked before decoding so an oversized image is refused without allocating it.
  if (value.length % 4 === 0 && decodedBase64Length(value) > limits.screenshotMaxBytes) {
    problems.add(
      path,
      `must decode to at most 5 MiB (${limits.screenshotMaxBytes} bytes), got ${decodedBase64Length(value)} bytes`,
    );
    return undefined;
  }
  const bytes = decodeStrictBase64(value);
  if (bytes === null) {
    problems.add(
      path,
      'must be standard base64 (RFC 4648: alphabet A-Z a-z 0-9 + /, "=" padding, no line breaks or spaces)',
    );
    return undefined;
  }
  const actualType = detectImageType(bytes);
  if (actualType === null) {
    problems.add(path, 'must be a PNG, JPEG or WebP image; its first bytes match none of these');
    return undefined;
  }
  if (declaredType !== undefined && actualType !== declaredType) {
    problems.add(
      path,
      `holds a ${imageFormatNames[actualType]} image, but content_type says ${declaredType}`,
    );
    return undefined;
  }
  const image = inspectImage(bytes, actualType);
  if (!image.ok) {
    problems.add(path, `is not a well-formed ${imageFormatNames[actualType]} image: ${image.problem}`);
    return undefined;
  }
  return bytes;
}

function readScreenshot(
  value: unknown,
  path: string,
  stepIndexes: ReadonlySet<number> | undefined,
  problems: ProblemList,
): Partial<ValidScreenshot> | undefined {
  const object = knownFieldsObject(value, path, problems, screenshotShape);
  if (object === undefined) return undefined;
  const fields = new FieldReader(object, path, problems);
  const stepIndex = fields.required('step_index', integer({ min: 0 }));
  if (stepIndex !== undefined && stepIndexes !== undefined && !stepIndexes.has(stepIndex)) {
    problems.add(fields.pathOf('step_index'), `must name a step of this run; no step has index ${stepIndex}`);
  }
  const contentType = fields.required('content_type', oneOf(screenshotContentTypes));
  const bytes = fields.required('data', (data, dataPath) =>
    readScreenshotData(data, dataPath, contentType, problems),
  );
  return { step_index: stepIndex, content_type: contentType, bytes };
}

function readScreenshots(
  value: unknown,
  path: string,
  stepIndexes: ReadonlySet<number> | undefined,
  problems: ProblemList,
): Array<Partial<ValidScreenshot> | undefined> {
  if (!Array.isArray(value)) {
    problems.add(path, `must be an array of screenshots, got ${describeJsonType(value)}`);
    return [];
  }
  if (value.length > limits.maxScreenshots) {
    // Refused as a whole, before decoding any image.
    problems.add(path, `must hold at most ${limits.maxScreenshots} screenshots, got ${value.length}`);
    return [];
  }
  const screenshots: Array<Partial<ValidScreenshot> | undefined> = [];
  for (const [position, item] of value.entries()) {
    if (problems.full) break;
    screenshots.push(readScreenshot(item, itemPath(path, position), stepIndexes, problems));
  }
  return screenshots;
}

const attributeValue = text({ maxChars: limits.attributeValueMaxChars });

/** What is wrong with an attribute key, said of the entry (its path is the key itself). */
function attributeKeyProblem(key: string): string | undefined {
  if (key === '') return `has an empty key; keys are 1-${limits.attributeKeyMaxChars} characters`;
  if (key === '__proto__') {
    // JSON.parse makes it an ordinary member, but a JavaScript reader that builds an object by
    // assignment (avsc decoding a map, in every worker) sets the prototype instead: it would vanish.
    return 'has the key "__proto__", which is not allowed: readers would lose it';
  }
  const over = charactersOver(key, limits.attributeKeyMaxChars);
  if (over !== undefined) {
    return `has a key of ${over} characters; keys are at most ${limits.attributeKeyMaxChars}`;
  }
  const unstorable = unstorableTextReason(key);
  return unstorable === undefined ? undefined : `has a key that ${unstorable}`;
}

const attributes: Check<Record<string, string>> = (value, path, problems) => {
  if (!isPlainObject(value)) {
    problems.add(path, `must be an object of string values, got ${describeJsonType(value)}`);
    return undefined;
  }
  const keys = Object.keys(value);
  if (keys.length > limits.maxAttributes) {
    // Refused as a whole, before judging any entry.
    problems.add(path, `must have at most ${limits.maxAttributes} entries, got ${keys.length}`);
    return undefined;
  }
  const checked: Record<string, string> = {};
  for (const key of keys) {
    if (problems.full) break;
    const keyProblem = attributeKeyProblem(key);
    if (keyProblem !== undefined) {
      problems.add(fieldPath(path, key), keyProblem);
      continue;
    }
    const attribute = attributeValue(value[key], fieldPath(path, key), problems);
    if (attribute !== undefined) checked[key] = attribute;
  }
  return checked;
};

function readRunInterval(fields: FieldReader, now: Date, problems: ProblemList): RunInterval {
  const startedAt = fields.required('started_at', time);
  const finishedAt = fields.required('finished_at', time);
  if (finishedAt !== undefined && finishedAt - now.getTime() > limits.finishedAtMaxFutureMs) {
    problems.add(
      fields.pathOf('finished_at'),
      `must not be more than 5 minutes in the future; the gateway's clock says ${now.toISOString()} (is the robot's clock right?)`,
    );
  }
  if (startedAt !== undefined && finishedAt !== undefined && finishedAt < startedAt) {
    problems.add(
      fields.pathOf('finished_at'),
      `must not be before started_at (it is ${formatSeconds(startedAt - finishedAt)} earlier)`,
    );
    // A run that ends before it starts has no interval to hold its steps.
    return { startedAt: undefined, finishedAt: undefined };
  }
  return { startedAt, finishedAt };
}

/** Errors in the order of the contract's fields (the order a reader of the payload meets them). */
function sortedByField(errors: ValidationError[]): ValidationError[] {
  const order = resultShape.fields;
  const rank = (path: string): number => {
    const field = /^[^.[]*/.exec(path)?.[0] ?? '';
    const position = order.indexOf(field);
    return field === '' ? -1 : position === -1 ? order.length : position;
  };
  return errors.toSorted((left, right) => rank(left.path) - rank(right.path));
}

/** Validates one TransactionResult as uploaded; on success returns it normalised for publishing. */
export function validateTransactionResult(
  input: unknown,
  options: TransactionResultValidationOptions,
): Validation<ValidTransactionResult> {
  const problems = new ProblemList(options.maxErrors);
  const object = knownFieldsObject(input, '', problems, resultShape);
  if (object === undefined) return problems.failure();
  const fields = new FieldReader(object, '', problems);

  const run = readRunInterval(fields, options.now, problems);
  const steps = fields.required('steps', (value, path) => readSteps(value, path, run, problems));
  const stepIndexes = steps?.every((step) => step?.index !== undefined)
    ? new Set(steps.map((step) => step?.index as number))
    : undefined;
  const screenshots = fields.has('screenshots')
    ? readScreenshots(object.screenshots, fields.pathOf('screenshots'), stepIndexes, problems)
    : [];

  const draft = {
    result_id: fields.required('result_id', uuid),
    transaction_id: fields.required('transaction_id', uuid),
    transaction_name: fields.required(
      'transaction_name',
      text({ minChars: 1, maxChars: limits.transactionNameMaxChars }),
    ),
    service: fields.required('service', text({ minChars: 1, maxChars: limits.serviceMaxChars })),
    project: fields.optional('project', text({ minChars: 1, maxChars: limits.projectMaxChars })),
    robot_id: fields.required('robot_id', uuid),
    robot_name: fields.optional('robot_name', text({ maxChars: limits.robotNameMaxChars })),
    location: fields.optional('location', location),
    environment:
      fields.optional('environment', text({ minChars: 1, maxChars: limits.environmentMaxChars })) ??
      options.defaultEnvironment,
    started_at: run.startedAt === undefined ? undefined : new Date(run.startedAt),
    finished_at: run.finishedAt === undefined ? undefined : new Date(run.finishedAt),
    status: fields.required('status', status),
    error_code: fields.optional('error_code', integer()),
    error_message: fields.optional('error_message', errorMessage),
    target_duration_ms: fields.optional('target_duration_ms', integer({ min: 1 })),
    steps,
    log: fields.optional('log', utf8Text(limits.logMaxBytes)),
    screenshots,
    attributes: fields.optional('attributes', attributes) ?? {},
  };
  if (!problems.empty) return problems.failure(sortedByField);
  // Every field was checked above; with no problems reported none of them is undefined.
  return { ok: true, value: draft as ValidTransactionResult };
}
