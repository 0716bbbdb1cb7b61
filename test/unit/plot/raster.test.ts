import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drawText, textWidth } from '../../../scripts/plot/font.ts';
import {
  createRaster,
  fillBand,
  fillPolygon,
  fillRect,
  line,
  pixelAt,
  point,
} from '../../../scripts/plot/raster.ts';

const white = [255, 255, 255, 255] as const;
const black = [0, 0, 0, 255] as const;

test('fillRect covers exactly its pixels and blends with alpha', () => {
  const raster = createRaster(10, 10, white);
  fillRect(raster, { x: 2, y: 3, width: 4, height: 2 }, [255, 0, 0, 255]);
  assert.deepEqual(pixelAt(raster, 2, 3), [255, 0, 0, 255]);
  assert.deepEqual(pixelAt(raster, 5, 4), [255, 0, 0, 255]);
  assert.deepEqual(pixelAt(raster, 6, 4), white);
  assert.deepEqual(pixelAt(raster, 2, 5), white);
  fillRect(raster, { x: 0, y: 0, width: 10, height: 10 }, [0, 0, 255, 128]);
  assert.deepEqual(pixelAt(raster, 0, 0), [127, 127, 255, 255]);
  assert.deepEqual(pixelAt(raster, 2, 3), [127, 0, 128, 255]);
});

test('lines reach both ends; a 2-pixel horizontal line is two rows thick', () => {
  const raster = createRaster(20, 20, white);
  line(raster, { x: 1, y: 1 }, { x: 15, y: 9 }, black);
  assert.deepEqual(pixelAt(raster, 1, 1), black);
  assert.deepEqual(pixelAt(raster, 15, 9), black);
  line(raster, { x: 0, y: 15 }, { x: 19, y: 15 }, black, 2);
  assert.deepEqual(pixelAt(raster, 10, 15), black);
  assert.deepEqual(pixelAt(raster, 10, 16), black);
  assert.deepEqual(pixelAt(raster, 10, 17), white);
});

test('a polygon is filled inside only, and shapes respect the clip', () => {
  const raster = createRaster(20, 20, white);
  fillPolygon(
    raster,
    [
      { x: 2, y: 2 },
      { x: 18, y: 2 },
      { x: 2, y: 18 },
    ],
    black,
  );
  assert.deepEqual(pixelAt(raster, 4, 4), black);
  assert.deepEqual(pixelAt(raster, 16, 16), white);
  raster.clip = { x: 0, y: 0, width: 5, height: 20 };
  fillBand(raster, [0, 19], [10, 10], [19, 19], [255, 0, 0, 255]);
  assert.deepEqual(pixelAt(raster, 3, 15), [255, 0, 0, 255]);
  assert.deepEqual(pixelAt(raster, 8, 15), white);
});

test('points and text put ink where they are drawn', () => {
  const raster = createRaster(40, 20, white);
  point(raster, { x: 5, y: 5 }, black);
  assert.deepEqual(pixelAt(raster, 5, 4), black);
  assert.deepEqual(pixelAt(raster, 4, 4), white);
  drawText(raster, '1', 20, 2, black);
  // '1' is '..#..' on every row but the first two and last: its stem is in column 2.
  assert.deepEqual(pixelAt(raster, 22, 5), black);
  assert.deepEqual(pixelAt(raster, 20, 5), white);
  assert.equal(textWidth('10:00'), 29);
  assert.equal(textWidth('ab', 2), 22);
});
