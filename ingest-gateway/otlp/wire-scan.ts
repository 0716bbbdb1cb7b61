// A walk over a protobuf body's wire format, guided by the proto, before anything is decoded.
// protobufjs decodes leniently (a varint where a message belongs is read as a length, and
// nesting is limited only by the stack), so a body is first checked here, without allocating a
// message: every known field must carry its proto's wire type, lengths must stay inside their
// message, attribute values may nest at most maxValueDepth levels, and the records counted must
// stay within the request limit — the walk stops at the first problem, so a body of a million
// empty spans costs as much as the limit, not as much as the body.
import protobuf from 'protobufjs';
import { OtlpDecodeError } from './otlp-json.ts';
import {
  isRecordField,
  maxValueDepth,
  RequestCounter,
  type RequestLimits,
  valueDepthError,
  valueTypeName,
} from './otlp-limits.ts';

const wireVarint = 0;
const wireFixed64 = 1;
const wireLengthDelimited = 2;
const wireFixed32 = 5;

const varintTypes = new Set(['int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64', 'bool']);
const fixed64Types = new Set(['fixed64', 'sfixed64', 'double']);
const fixed32Types = new Set(['fixed32', 'sfixed32', 'float']);

interface FieldPlan {
  name: string;
  /** Wire types the field may arrive in. */
  wireTypes: ReadonlySet<number>;
  /** For message fields: the plan of the message. */
  message?: TypePlan;
  /** For packed repeated scalars: the size of one element, 0 for varints. */
  packedSize?: 0 | 4 | 8;
  countsRecord: boolean;
}

interface TypePlan {
  name: string;
  isValue: boolean;
  fields: Map<number, FieldPlan>;
}

const plans = new Map<protobuf.Type, TypePlan>();

/** What the proto says each field number of `type` may carry; built once per type. */
function planOf(type: protobuf.Type): TypePlan {
  const known = plans.get(type);
  if (known !== undefined) return known;
  const plan: TypePlan = { name: type.name, isValue: type.name === valueTypeName, fields: new Map() };
  plans.set(type, plan);
  for (const field of type.fieldsArray) {
    field.resolve();
    const fieldPlan: FieldPlan = {
      name: field.name,
      wireTypes: new Set([wireLengthDelimited]),
      countsRecord: isRecordField(type, field),
    };
    if (field.resolvedType instanceof protobuf.Type) {
      fieldPlan.message = planOf(field.resolvedType);
    } else if (field.resolvedType instanceof protobuf.Enum || varintTypes.has(field.type)) {
      fieldPlan.wireTypes = new Set(field.repeated ? [wireVarint, wireLengthDelimited] : [wireVarint]);
      fieldPlan.packedSize = 0;
    } else if (fixed64Types.has(field.type)) {
      fieldPlan.wireTypes = new Set(field.repeated ? [wireFixed64, wireLengthDelimited] : [wireFixed64]);
      fieldPlan.packedSize = 8;
    } else if (fixed32Types.has(field.type)) {
      fieldPlan.wireTypes = new Set(field.repeated ? [wireFixed32, wireLengthDelimited] : [wireFixed32]);
      fieldPlan.packedSize = 4;
    }
    // string and bytes: length-delimited only (the default above).
    plan.fields.set(field.id, fieldPlan);
  }
  return plan;
}

interface Frame {
  plan: TypePlan;
  end: number;
  path: string;
}

const wireTypeNames = ['varint', '64-bit', 'length-delimited', 'group start', 'group end', '32-bit'];

/**
 * Check `body` against `type` as described above; throws OtlpDecodeError (malformed) or
 * OtlpLimitError (too many records or messages) naming the first problem.
 */
export function scanProtobuf(type: protobuf.Type, body: Uint8Array, limits: RequestLimits): void {
  const counter = new RequestCounter(limits);
  const fail = (frame: Frame, at: number, problem: string): never => {
    // Deeply nested paths keep their end, where the problem is.
    const path = frame.path.length > 160 ? `…${frame.path.slice(-150)}` : frame.path;
    throw new OtlpDecodeError(
      `the body is not a valid ${type.name} protobuf: ${path === '' ? '(top level)' : path} at byte ${at}: ${problem}`,
    );
  };
  let pos = 0;
  /** A varint as a number (exact up to 2^53; larger values only need skipping). */
  const varint = (frame: Frame, end: number): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) return fail(frame, pos, 'truncated varint');
      const byte = body[pos++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    return fail(frame, pos, 'varint longer than 10 bytes');
  };
  const stack: Frame[] = [{ plan: planOf(type), end: body.length, path: '' }];
  let valueDepth = 0;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    if (pos === frame.end) {
      stack.pop();
      if (frame.plan.isValue) valueDepth--;
      continue;
    }
    const tagAt = pos;
    const tag = varint(frame, frame.end);
    const fieldNumber = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (fieldNumber === 0 || fieldNumber > 0x1fffffff)
      fail(frame, tagAt, `invalid field number ${fieldNumber}`);
    const field = frame.plan.fields.get(fieldNumber);
    if (field !== undefined && !field.wireTypes.has(wireType)) {
      fail(
        frame,
        tagAt,
        `field ${field.name} (${fieldNumber}) has wire type ${wireTypeNames[wireType] ?? wireType}, ` +
          `the proto wants ${[...field.wireTypes].map((wt) => wireTypeNames[wt]).join(' or ')}`,
      );
    }
    if (wireType === wireVarint) {
      varint(frame, frame.end);
    } else if (wireType === wireFixed64 || wireType === wireFixed32) {
      pos += wireType === wireFixed64 ? 8 : 4;
      if (pos > frame.end) fail(frame, tagAt, 'truncated fixed-size value');
    } else if (wireType === wireLengthDelimited) {
      const length = varint(frame, frame.end);
      const end = pos + length;
      if (end > frame.end) fail(frame, tagAt, `length ${length} runs past the end of its message`);
      const path = frame.path === '' ? (field?.name ?? '') : `${frame.path}.${field?.name ?? ''}`;
      if (field?.message !== undefined) {
        counter.addValue();
        if (field.countsRecord) counter.addRecords(1);
        if (field.message.isValue && ++valueDepth > maxValueDepth) fail(frame, tagAt, valueDepthError());
        stack.push({ plan: field.message, end, path });
        continue;
      }
      if (field?.packedSize !== undefined) {
        // Packed repeated scalars: whole elements only.
        if (field.packedSize === 0) {
          const packed = { ...frame, path };
          while (pos < end) varint(packed, end);
        } else if (length % field.packedSize !== 0) {
          fail(
            frame,
            tagAt,
            `packed ${field.name} is ${length} bytes, not a multiple of ${field.packedSize}`,
          );
        }
      }
      pos = end;
    } else {
      // Groups (3, 4) are not in any OTLP message, known or future; 6 and 7 do not exist.
      fail(frame, tagAt, `unsupported wire type ${wireTypeNames[wireType] ?? wireType}`);
    }
  }
  if (pos !== body.length) throw new OtlpDecodeError(`the body is not a valid ${type.name} protobuf`);
}
