// Screenshot bytes as robots send them: strict standard base64 (RFC 4648 §4, padded, no whitespace),
// holding an image whose leading bytes match the declared content type.

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
