import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodePng } from '../../../scripts/plot/png.ts';
import { decodePng, pixel } from './decode-png.ts';

test('a raster encodes to a PNG that decodes back to the same pixels', () => {
  const width = 3;
  const height = 2;
  const pixels = new Uint8Array(width * height * 4);
  pixels.set([255, 0, 0, 255], 0); // (0, 0) red
  pixels.set([0, 128, 255, 64], (1 * width + 2) * 4); // (2, 1) translucent blue
  const png = decodePng(encodePng({ width, height, pixels }));
  assert.deepEqual(png.chunkTypes, ['IHDR', 'IDAT', 'IEND']);
  assert.equal(png.width, 3);
  assert.equal(png.height, 2);
  assert.deepEqual(pixel(png, 0, 0), [255, 0, 0, 255]);
  assert.deepEqual(pixel(png, 2, 1), [0, 128, 255, 64]);
  assert.deepEqual(pixel(png, 1, 0), [0, 0, 0, 0]);
});

test('the CRC is the standard one (IEND of every PNG ends in AE 42 60 82)', () => {
  const bytes = encodePng({ width: 1, height: 1, pixels: new Uint8Array(4) });
  assert.deepEqual([...bytes.subarray(-8)], [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
});

test('a pixel buffer of the wrong size is refused', () => {
  assert.throws(
    () => encodePng({ width: 2, height: 2, pixels: new Uint8Array(12) }),
    /expected 16 bytes for 2×2/,
  );
});
