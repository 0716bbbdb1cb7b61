// The worker-thread side of upload-judging.ts: parses and judges one large upload body.
import { type JudgedBody, type JudgeJob, parseAndJudge } from './upload-judging.ts';

export default function judgeUploadBody(job: JudgeJob): JudgedBody {
  return parseAndJudge(job);
}
