// RGBA raster → PNG bytes: the smallest valid file (IHDR, one IDAT, IEND), 8-bit RGBA, no
// interlace, filter 0 on every row. Enough for charts committed to docs/; no dependency needed.
import { crc32, deflateSync } from 'node:zlib';

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, row by row, R G B A. */
  pixels: Uint8Array | Uint8ClampedArray;
}

export const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(8 + data.length + 4);
  out.writeUInt32BE(data.length, 0);
  typeAndData.copy(out, 4);
  out.writeUInt32BE(crc32(typeAndData), 8 + data.length);
  return out;
}

export function encodePng(image: RgbaImage): Buffer {
  const { width, height, pixels } = image;
  if (pixels.length !== width * height * 4) {
    throw new Error(`expected ${width * height * 4} bytes for ${width}×${height} RGBA, got ${pixels.length}`);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // colour type: RGBA
  // bytes 10–12: compression, filter method, interlace — all 0
  const rowBytes = width * 4;
  const scanlines = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    // Each scanline starts with its filter type; 0 (none) keeps the encoder trivial and deflate
    // still shrinks a chart's large flat areas well.
    Buffer.from(pixels.buffer, pixels.byteOffset + y * rowBytes, rowBytes).copy(
      scanlines,
      y * (rowBytes + 1) + 1,
    );
  }
  return Buffer.concat([
    pngSignature,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(scanlines, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
