// Screenshot bytes as robots send them: strict standard base64 (RFC 4648 §4, padded, no whitespace),
// holding an image of the declared content type. The image check reads the container's header the
// way a decoder starts (PNG IHDR with its CRC, JPEG markers up to the frame header, WebP RIFF and its
// first chunk): a signature followed by anything else (HTML, say) is not an image.

import { crc32 } from 'node:zlib';
import type { ScreenshotContentType } from './record-types.ts';

const base64Alphabet = /^[A-Za-z0-9+/]*={0,2}$/;

/** The decoded size of well-formed base64 text, known before decoding it. */
export function decodedBase64Length(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/** Decodes strict base64; null when the text is not exactly what a standard encoder produces. */
export function decodeStrictBase64(text: string): Buffer | null {
  if (text.length % 4 !== 0 || !base64Alphabet.test(text)) return null;
  const bytes = Buffer.from(text, 'base64');
  // Node's decoder is lenient (it skips stray characters and ignores non-zero padding bits);
  // re-encoding reveals anything it glossed over.
  return bytes.toString('base64') === text ? bytes : null;
}

function startsWith(bytes: Buffer, signature: readonly number[], at = 0): boolean {
  return signature.every((byte, position) => bytes[at + position] === byte);
}

const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const jpegSignature = [0xff, 0xd8, 0xff];
const riffSignature = [0x52, 0x49, 0x46, 0x46];
const webpSignature = [0x57, 0x45, 0x42, 0x50];

/** The image type the bytes' signature says they are, or null when they are none of ours. */
export function detectImageType(bytes: Buffer): ScreenshotContentType | null {
  if (startsWith(bytes, pngSignature)) return 'image/png';
  if (startsWith(bytes, jpegSignature)) return 'image/jpeg';
  if (startsWith(bytes, riffSignature) && startsWith(bytes, webpSignature, 8)) return 'image/webp';
  return null;
}

/** Larger sides are no screenshot (JPEG and WebP cannot even say more than 65535 and 16384). */
export const maxImageSide = 65_535;

export interface ImageHeader {
  width: number;
  height: number;
}

/** The header of a well-formed image, or what is wrong with it. */
export type ImageInspection = { ok: true; header: ImageHeader } | { ok: false; problem: string };

const bad = (problem: string): ImageInspection => ({ ok: false, problem });

function plausible(width: number, height: number): ImageInspection {
  if (width < 1 || height < 1 || width > maxImageSide || height > maxImageSide) {
    return bad(`its size ${width}x${height} is not a plausible image (1-${maxImageSide} pixels a side)`);
  }
  return { ok: true, header: { width, height } };
}

// PNG: the signature, then IHDR first: length 13, the type, width, height, bit depth, colour type,
// compression 0, filter 0, interlace 0 or 1, and the CRC-32 of type and data.
const pngBitDepths: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

function inspectPng(bytes: Buffer): ImageInspection {
  const ihdrEnd = 8 + 4 + 4 + 13 + 4;
  if (bytes.length < ihdrEnd) return bad('it ends before its IHDR chunk does');
  if (bytes.readUInt32BE(8) !== 13 || bytes.toString('latin1', 12, 16) !== 'IHDR') {
    return bad('its first chunk is not a 13-byte IHDR');
  }
  if (crc32(bytes.subarray(12, 29)) !== bytes.readUInt32BE(29)) return bad('its IHDR chunk fails its CRC');
  const [bitDepth = 0, colourType = 0, compression, filter, interlace = 0] = bytes.subarray(24, 29);
  if (!pngBitDepths[colourType]?.includes(bitDepth) || compression !== 0 || filter !== 0 || interlace > 1) {
    return bad('its IHDR holds an impossible bit depth, colour type or method');
  }
  return plausible(bytes.readUInt32BE(16), bytes.readUInt32BE(20));
}

// JPEG: SOI, then marker segments (0xFF, a marker, a 2-byte length counting itself) up to a frame
// header SOF0-SOF15 (not DHT C4, JPG C8, DAC CC), which holds precision, height and width.
const isFrameHeader = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

function inspectJpeg(bytes: Buffer): ImageInspection {
  let position = 2;
  for (;;) {
    if (position + 4 > bytes.length) return bad('it ends before its frame header (SOF)');
    if (bytes[position] !== 0xff) return bad(`byte ${position} is not a marker where one must start`);
    let marker = bytes[position + 1] ?? 0;
    // Any number of 0xFF fill bytes may precede a marker.
    while (marker === 0xff && position + 2 < bytes.length) marker = bytes[++position + 1] ?? 0;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      position += 2; // standalone markers carry no length
      continue;
    }
    if (marker === 0x00 || marker === 0xd8 || marker === 0xd9 || marker === 0xda) {
      return bad(`marker 0x${marker.toString(16)} comes before any frame header (SOF)`);
    }
    if (position + 4 > bytes.length) return bad('it ends before its frame header (SOF)');
    const length = bytes.readUInt16BE(position + 2);
    if (length < 2 || position + 2 + length > bytes.length) {
      return bad(`the segment at byte ${position} claims ${length} bytes it does not have`);
    }
    if (isFrameHeader(marker)) {
      if (length < 8 + 3) return bad('its frame header is too short');
      return plausible(bytes.readUInt16BE(position + 7), bytes.readUInt16BE(position + 5));
    }
    position += 2 + length;
  }
}

// WebP: "RIFF", the size of what follows (within the data), "WEBP", then a VP8, VP8L or VP8X chunk
// that fits in the RIFF and whose own header is right.
function inspectWebp(bytes: Buffer): ImageInspection {
  if (bytes.length < 20) return bad('it ends before its first chunk');
  const riffEnd = 8 + bytes.readUInt32LE(4);
  if (riffEnd > bytes.length || riffEnd < 20) {
    return bad(`its RIFF header claims ${riffEnd} bytes; the data has ${bytes.length}`);
  }
  const chunk = bytes.toString('latin1', 12, 16);
  if (chunk !== 'VP8 ' && chunk !== 'VP8L' && chunk !== 'VP8X') {
    return bad(`its first chunk is ${JSON.stringify(chunk)}, not VP8, VP8L or VP8X`);
  }
  const data = 20;
  const size = bytes.readUInt32LE(16);
  if (data + size > riffEnd) return bad(`its ${chunk.trim()} chunk claims more bytes than the RIFF holds`);
  if (chunk === 'VP8 ') {
    // A key frame: frame tag with bit 0 clear, the start code 9d 01 2a, 14-bit width and height.
    if (size < 10 || ((bytes[data] ?? 1) & 1) !== 0) return bad('its VP8 chunk is not a key frame');
    if (bytes[data + 3] !== 0x9d || bytes[data + 4] !== 0x01 || bytes[data + 5] !== 0x2a) {
      return bad('its VP8 chunk lacks the start code');
    }
    return plausible(bytes.readUInt16LE(data + 6) & 0x3fff, bytes.readUInt16LE(data + 8) & 0x3fff);
  }
  if (chunk === 'VP8L') {
    // Signature 0x2f, then 14 bits width - 1, 14 bits height - 1, 1 bit alpha, 3 bits version 0.
    if (size < 5 || bytes[data] !== 0x2f) return bad('its VP8L chunk lacks the signature');
    const bits = bytes.readUInt32LE(data + 1);
    if (bits >>> 29 !== 0) return bad('its VP8L chunk has an unknown version');
    return plausible((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  // VP8X: flags, 3 reserved bytes, then the canvas width - 1 and height - 1 in 24 bits each.
  if (size < 10) return bad('its VP8X chunk is too short');
  return plausible(bytes.readUIntLE(data + 4, 3) + 1, bytes.readUIntLE(data + 7, 3) + 1);
}

/** Reads the header of an image whose signature says it is `type`, as a decoder would start. */
export function inspectImage(bytes: Buffer, type: ScreenshotContentType): ImageInspection {
  if (type === 'image/png') return inspectPng(bytes);
  if (type === 'image/jpeg') return inspectJpeg(bytes);
  return inspectWebp(bytes);
}
