import type { ScreenshotContentType } from './record-types.ts';

const extensions: Record<ScreenshotContentType, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
};

export interface ScreenshotIdentity {
  transaction_id: string;
  /** The robot that uploaded the run: a run is identified by (robot_id, result_id). */
  robot_id: string;
  result_id: string;
  step_index: number;
  /** Position among the screenshots of the same step, from 0. */
  ordinal: number;
  content_type: ScreenshotContentType;
}

/**
 * The object-store key of a screenshot. It depends only on what identifies the screenshot, so a
 * redelivered or re-uploaded run writes the same object again instead of a new one. The robot is
 * part of it because result_id is chosen by robots: another robot sending the same result_id must
 * get objects of its own, never overwrite this one's. Keys of the first layout
 * (`screenshots/<transaction_id>/<result_id>/…`, one segment fewer) cannot equal a key of this one.
 */
export function screenshotObjectKey(screenshot: ScreenshotIdentity): string {
  const { transaction_id, robot_id, result_id, step_index, ordinal, content_type } = screenshot;
  return `screenshots/${transaction_id}/${robot_id}/${result_id}/${step_index}-${ordinal}.${extensions[content_type]}`;
}
