// A 5×7 bitmap font for chart labels: digits, capital letters and the punctuation axis labels,
// titles and legends need. Lower-case letters are drawn as capitals; anything else as '?'.
// Glyphs are drawn row by row so they can be read (and fixed) here: '#' is ink.
import { blendPixel, type Color, type Raster } from './raster.ts';

export const glyphWidth = 5;
export const glyphHeight = 7;
/** One blank column between glyphs. */
const advance = glyphWidth + 1;

const glyphs: Record<string, string> = {
  ' ': '..... ..... ..... ..... ..... ..... .....',
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '####. ....# ....# .###. ....# ....# ####.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '###.. #..#. #...# #...# #...# #..#. ###..',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  ':': '..... ..#.. ..#.. ..... ..#.. ..#.. .....',
  '-': '..... ..... ..... .###. ..... ..... .....',
  '–': '..... ..... ..... ##### ..... ..... .....',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  ',': '..... ..... ..... ..... .##.. ..#.. .#...',
  '/': '..... ....# ...#. ..#.. .#... #.... .....',
  '%': '##... ##..# ...#. ..#.. .#... #..## ...##',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  _: '..... ..... ..... ..... ..... ..... #####',
  "'": '..#.. ..#.. .#... ..... ..... ..... .....',
  '#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  '=': '..... ..... ##### ..... ##### ..... .....',
  '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  '|': '..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
};

/** Each glyph's ink as [column, row] pairs, parsed once. */
const ink = new Map<string, Array<[number, number]>>(
  Object.entries(glyphs).map(([char, rows]) => [
    char,
    rows
      .split(' ')
      .flatMap((row, y) =>
        [...row].flatMap((cell, x): Array<[number, number]> => (cell === '#' ? [[x, y]] : [])),
      ),
  ]),
);

function inkOf(char: string): Array<[number, number]> {
  return ink.get(char) ?? ink.get(char.toUpperCase()) ?? ink.get('?') ?? [];
}

/** Width in pixels of `text` drawn at `scale` (no trailing gap). */
export function textWidth(text: string, scale = 1): number {
  const length = [...text].length;
  return length === 0 ? 0 : (length * advance - 1) * scale;
}

export function textHeight(scale = 1): number {
  return glyphHeight * scale;
}

export interface TextOptions {
  scale?: number;
  /** Where `x` is: the text's left end (default), centre or right end. */
  align?: 'left' | 'center' | 'right';
}

/** Draw `text` with its top at `y`; each font pixel becomes a scale × scale square. */
export function drawText(
  raster: Raster,
  text: string,
  x: number,
  y: number,
  color: Color,
  options: TextOptions = {},
): void {
  const scale = options.scale ?? 1;
  const width = textWidth(text, scale);
  const left = Math.round(
    options.align === 'center' ? x - width / 2 : options.align === 'right' ? x - width : x,
  );
  const top = Math.round(y);
  [...text].forEach((char, index) => {
    const originX = left + index * advance * scale;
    for (const [gx, gy] of inkOf(char)) {
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++)
          blendPixel(raster, originX + gx * scale + dx, top + gy * scale + dy, color);
      }
    }
  });
}

/** `text` cut to at most `maxWidth` pixels at `scale`, with '..' when cut. */
export function fitText(text: string, maxWidth: number, scale = 1): string {
  if (textWidth(text, scale) <= maxWidth) return text;
  let cut = text;
  while (cut.length > 0 && textWidth(`${cut}..`, scale) > maxWidth) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}..`;
}
