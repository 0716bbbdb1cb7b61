// A minimal PNG reader for the renderer's own output (8-bit RGBA, filter 0): it checks what a real
// decoder checks — signature, every chunk's CRC, IHDR — and returns the pixels.
import assert from 'node:assert/strict';
import { crc32, inflateSync } from 'node:zlib';

export interface DecodedPng {
  width: number;
  height: number;
  chunkTypes: string[];
  pixels: Buffer;
}

export function decodePng(bytes: Buffer): DecodedPng {
  assert.deepEqual(
    [...bytes.subarray(0, 8)],
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    'PNG signature',
  );
  const chunkTypes: string[] = [];
  const idat: Buffer[] = [];
  let header: Buffer | undefined;
  for (let at = 8; at < bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    assert.equal(
      bytes.readUInt32BE(at + 8 + length),
      crc32(bytes.subarray(at + 4, at + 8 + length)),
      `${type} CRC`,
    );
    chunkTypes.push(type);
    if (type === 'IHDR') header = data;
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  assert.ok(header, 'IHDR present');
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  assert.deepEqual([...header.subarray(8)], [8, 6, 0, 0, 0], 'bit depth 8, RGBA, no interlace');
  const raw = inflateSync(Buffer.concat(idat));
  assert.equal(raw.length, height * (width * 4 + 1));
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    assert.equal(raw[row], 0, `row ${y} filter`);
    raw.copy(pixels, y * width * 4, row + 1, row + 1 + width * 4);
  }
  return { width, height, chunkTypes, pixels };
}

export function pixel(png: DecodedPng, x: number, y: number): number[] {
  const at = (y * png.width + x) * 4;
  return [...png.pixels.subarray(at, at + 4)];
}
