// A pixel canvas for charts: rectangles, lines, filled polygons and bands, small points, all
// alpha-blended over what is already there. Coordinates are pixels from the top left; shapes are
// clipped to the canvas (and to `clip` when set), so callers need not check bounds.
import type { RgbaImage } from './png.ts';

/** R, G, B and alpha, each 0–255. */
export type Color = readonly [number, number, number, number];

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Raster extends RgbaImage {
  pixels: Uint8ClampedArray;
  /** When set, nothing is drawn outside it. */
  clip: Rect | undefined;
}

export interface Point {
  x: number;
  y: number;
}

export function createRaster(width: number, height: number, background: Color): Raster {
  const raster: Raster = {
    width,
    height,
    pixels: new Uint8ClampedArray(width * height * 4),
    clip: undefined,
  };
  fillRect(raster, { x: 0, y: 0, width, height }, background);
  return raster;
}

function inside(raster: Raster, x: number, y: number): boolean {
  if (x < 0 || y < 0 || x >= raster.width || y >= raster.height) return false;
  const clip = raster.clip;
  return (
    clip === undefined || (x >= clip.x && y >= clip.y && x < clip.x + clip.width && y < clip.y + clip.height)
  );
}

/** Source-over blending of `color` at `coverage` (0–1) onto the pixel (x, y). */
export function blendPixel(raster: Raster, x: number, y: number, color: Color, coverage = 1): void {
  if (!inside(raster, x, y)) return;
  const at = (y * raster.width + x) * 4;
  const alpha = (color[3] / 255) * coverage;
  const p = raster.pixels;
  const below = (p[at + 3] as number) / 255;
  const outAlpha = alpha + below * (1 - alpha);
  if (outAlpha === 0) return;
  for (let c = 0; c < 3; c++) {
    p[at + c] = Math.round(
      ((color[c] as number) * alpha + (p[at + c] as number) * below * (1 - alpha)) / outAlpha,
    );
  }
  p[at + 3] = Math.round(outAlpha * 255);
}

export function pixelAt(raster: RgbaImage, x: number, y: number): Color {
  const at = (y * raster.width + x) * 4;
  const p = raster.pixels;
  return [p[at] as number, p[at + 1] as number, p[at + 2] as number, p[at + 3] as number];
}

export function fillRect(raster: Raster, rect: Rect, color: Color): void {
  const x0 = Math.max(0, Math.round(rect.x));
  const y0 = Math.max(0, Math.round(rect.y));
  const x1 = Math.min(raster.width, Math.round(rect.x + rect.width));
  const y1 = Math.min(raster.height, Math.round(rect.y + rect.height));
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) blendPixel(raster, x, y, color);
}

/**
 * A line 1 or 2 pixels wide (Bresenham): crisp on the axis-parallel lines charts are made of;
 * the second pixel goes across the line's main direction.
 */
export function line(raster: Raster, from: Point, to: Point, color: Color, width: 1 | 2 = 1): void {
  let x = Math.round(from.x);
  let y = Math.round(from.y);
  const x1 = Math.round(to.x);
  const y1 = Math.round(to.y);
  const dx = Math.abs(x1 - x);
  const dy = -Math.abs(y1 - y);
  const sx = x < x1 ? 1 : -1;
  const sy = y < y1 ? 1 : -1;
  const steep = dx < -dy;
  let error = dx + dy;
  for (;;) {
    blendPixel(raster, x, y, color);
    if (width === 2) blendPixel(raster, steep ? x + 1 : x, steep ? y : y + 1, color);
    if (x === x1 && y === y1) return;
    const doubled = 2 * error;
    if (doubled >= dy) {
      error += dy;
      x += sx;
    }
    if (doubled <= dx) {
      error += dx;
      y += sy;
    }
  }
}

/** A polyline through `points`, in order. */
export function polyline(raster: Raster, points: readonly Point[], color: Color, width: 1 | 2 = 1): void {
  for (let i = 1; i < points.length; i++) {
    line(raster, points[i - 1] as Point, points[i] as Point, color, width);
  }
}

/** Even-odd scanline fill, sampling pixel centres, each pixel blended once. */
export function fillPolygon(raster: Raster, polygon: readonly Point[], color: Color): void {
  if (polygon.length < 3) return;
  const ys = polygon.map((p) => p.y);
  const top = Math.max(0, Math.floor(Math.min(...ys)));
  const bottom = Math.min(raster.height - 1, Math.ceil(Math.max(...ys)));
  for (let y = top; y <= bottom; y++) {
    const centre = y + 0.5;
    const crossings: number[] = [];
    for (let i = 0; i < polygon.length; i++) {
      const a = polygon[i] as Point;
      const b = polygon[(i + 1) % polygon.length] as Point;
      if (a.y <= centre === b.y <= centre) continue;
      crossings.push(a.x + ((centre - a.y) / (b.y - a.y)) * (b.x - a.x));
    }
    crossings.sort((p, q) => p - q);
    for (let i = 0; i + 1 < crossings.length; i += 2) {
      const from = Math.ceil((crossings[i] as number) - 0.5);
      const to = Math.floor((crossings[i + 1] as number) - 0.5);
      for (let x = Math.max(0, from); x <= Math.min(raster.width - 1, to); x++)
        blendPixel(raster, x, y, color);
    }
  }
}

/** The area between two series sharing their x positions (e.g. a p10–p90 band). */
export function fillBand(
  raster: Raster,
  xs: readonly number[],
  upper: readonly number[],
  lower: readonly number[],
  color: Color,
): void {
  const polygon: Point[] = xs.map((x, i) => ({ x, y: upper[i] as number }));
  for (let i = xs.length - 1; i >= 0; i--) polygon.push({ x: xs[i] as number, y: lower[i] as number });
  fillPolygon(raster, polygon, color);
}

/** A small filled dot: radius 1 is a plus of 5 pixels, 2 a 5×5 disc without corners. */
export function point(raster: Raster, at: Point, color: Color, radius: 1 | 2 = 1): void {
  const cx = Math.round(at.x);
  const cy = Math.round(at.y);
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) {
      if (dx * dx + dy * dy <= radius * radius + (radius === 2 ? 1 : 0))
        blendPixel(raster, cx + dx, cy + dy, color);
    }
  }
}
