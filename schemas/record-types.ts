// TypeScript faces of the contract and of the Avro records.
//
// Each record type has a field-name object checked by the compiler against the type (`satisfies`: a
// missing or extra key fails to compile). The upload validator takes its list of known fields from the
// payload ones; a unit test compares the record ones with the .avsc field names both ways. Together
// the TypeScript types, the validator and the Avro schemas cannot drift apart silently.

export const runStatuses = ['OK', 'WARNING', 'FAIL'] as const;
export type RunStatus = (typeof runStatuses)[number];

export const screenshotContentTypes = ['image/png', 'image/jpeg', 'image/webp'] as const;
export type ScreenshotContentType = (typeof screenshotContentTypes)[number];

// What a robot sends (CONTRACT.md "Robot results"). Optional fields may also be sent as null.

export interface LocationPayload {
  city?: string | null;
  region?: string | null;
  country?: string | null;
  latitude?: number | null;
  longitude?: number | null;
}

export interface StepPayload {
  index: number;
  name: string;
  started_at: string;
  finished_at: string;
  status: RunStatus;
  error_message?: string | null;
}

export interface ScreenshotPayload {
  step_index: number;
  content_type: ScreenshotContentType;
  /** Standard base64 of the image bytes. */
  data: string;
}

export interface TransactionResultPayload {
  result_id: string;
  transaction_id: string;
  transaction_name: string;
  service: string;
  project?: string | null;
  robot_id: string;
  robot_name?: string | null;
  location?: LocationPayload | null;
  environment?: string | null;
  started_at: string;
  finished_at: string;
  status: RunStatus;
  error_code?: number | null;
  error_message?: string | null;
  target_duration_ms?: number | null;
  steps: StepPayload[];
  log?: string | null;
  screenshots?: ScreenshotPayload[] | null;
  attributes?: Record<string, string> | null;
}

export interface BatchPayload {
  results: unknown[];
}

export const locationPayloadFields = {
  city: true,
  region: true,
  country: true,
  latitude: true,
  longitude: true,
} as const satisfies Record<keyof LocationPayload, true>;

export const stepPayloadFields = {
  index: true,
  name: true,
  started_at: true,
  finished_at: true,
  status: true,
  error_message: true,
} as const satisfies Record<keyof StepPayload, true>;

export const screenshotPayloadFields = {
  step_index: true,
  content_type: true,
  data: true,
} as const satisfies Record<keyof ScreenshotPayload, true>;

export const transactionResultPayloadFields = {
  result_id: true,
  transaction_id: true,
  transaction_name: true,
  service: true,
  project: true,
  robot_id: true,
  robot_name: true,
  location: true,
  environment: true,
  started_at: true,
  finished_at: true,
  status: true,
  error_code: true,
  error_message: true,
  target_duration_ms: true,
  steps: true,
  log: true,
  screenshots: true,
  attributes: true,
} as const satisfies Record<keyof TransactionResultPayload, true>;

export const batchPayloadFields = { results: true } as const satisfies Record<keyof BatchPayload, true>;

// What the workers use: the Avro records with times as Date. Absent optional values are null;
// absent screenshots and attributes are empty.

export interface Location {
  city: string | null;
  region: string | null;
  country: string | null;
  latitude: number | null;
  longitude: number | null;
}

export interface Step {
  index: number;
  name: string;
  started_at: Date;
  finished_at: Date;
  status: RunStatus;
  error_message: string | null;
}

export interface ScreenshotRef {
  step_index: number;
  content_type: ScreenshotContentType;
  object_key: string;
  size_bytes: number;
  /** Lowercase hex. */
  sha256: string;
}

/** The fields a validated upload and a stored result share. */
interface TransactionResultCore {
  result_id: string;
  transaction_id: string;
  transaction_name: string;
  service: string;
  project: string | null;
  robot_id: string;
  robot_name: string | null;
  location: Location | null;
  environment: string;
  started_at: Date;
  finished_at: Date;
  status: RunStatus;
  error_code: number | null;
  error_message: string | null;
  target_duration_ms: number | null;
  steps: Step[];
  log: string | null;
  attributes: Record<string, string>;
}

/** One record of primoart.synth.results.v1, as workers see it. */
export interface SynthResult extends TransactionResultCore {
  screenshots: ScreenshotRef[];
  received_at: Date;
}

/** One record of primoart.synth.artifacts.v1, as workers see it. */
export interface SynthArtifact {
  result_id: string;
  transaction_id: string;
  step_index: number;
  ordinal: number;
  content_type: ScreenshotContentType;
  sha256: string;
  object_key: string;
  data: Buffer;
  captured_at: Date;
  received_at: Date;
}

/** A screenshot that passed validation: its bytes decoded and matching content_type. */
export interface ValidScreenshot {
  step_index: number;
  content_type: ScreenshotContentType;
  bytes: Buffer;
}

/** An upload that passed validation: UUIDs lowercased, times parsed, environment filled in. */
export interface ValidTransactionResult extends TransactionResultCore {
  screenshots: ValidScreenshot[];
}

/** The value avsc encodes: the same shape with timestamp-millis fields as epoch milliseconds. */
export type AvroValue<T> = T extends Date
  ? number
  : T extends Buffer
    ? T
    : T extends readonly (infer Item)[]
      ? AvroValue<Item>[]
      : T extends object
        ? { [Key in keyof T]: AvroValue<T[Key]> }
        : T;

export type TransactionResultRecord = AvroValue<SynthResult>;
export type SynthArtifactRecord = AvroValue<SynthArtifact>;

export const locationFields = {
  city: true,
  region: true,
  country: true,
  latitude: true,
  longitude: true,
} as const satisfies Record<keyof Location, true>;

export const stepFields = {
  index: true,
  name: true,
  started_at: true,
  finished_at: true,
  status: true,
  error_message: true,
} as const satisfies Record<keyof Step, true>;

export const screenshotRefFields = {
  step_index: true,
  content_type: true,
  object_key: true,
  size_bytes: true,
  sha256: true,
} as const satisfies Record<keyof ScreenshotRef, true>;

export const synthResultFields = {
  result_id: true,
  transaction_id: true,
  transaction_name: true,
  service: true,
  project: true,
  robot_id: true,
  robot_name: true,
  location: true,
  environment: true,
  started_at: true,
  finished_at: true,
  status: true,
  error_code: true,
  error_message: true,
  target_duration_ms: true,
  steps: true,
  log: true,
  screenshots: true,
  attributes: true,
  received_at: true,
} as const satisfies Record<keyof SynthResult, true>;

export const synthArtifactFields = {
  result_id: true,
  transaction_id: true,
  step_index: true,
  ordinal: true,
  content_type: true,
  sha256: true,
  object_key: true,
  data: true,
  captured_at: true,
  received_at: true,
} as const satisfies Record<keyof SynthArtifact, true>;
