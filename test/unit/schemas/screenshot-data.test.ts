// The image check reads a container's header as a decoder starts to: a signature followed by
// anything else is not an image, whatever its first bytes say.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { detectImageType, inspectImage } from '../../../schemas/screenshot-data.ts';

const tinyPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR42mPQbNiJFTEMLQkAcMZYgZauTKgAAAAASUVORK5CYII=',
  'base64',
);
const tinyJpeg = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAIAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAb/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABgf/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCUAHVPf//Z',
  'base64',
);
const tinyWebpLossless = Buffer.from('UklGRh4AAABXRUJQVlA4TBEAAAAvB8ABAAdQ154UrP+BiOh/AAA=', 'base64');
const html = Buffer.from('<html><body><script>alert(document.cookie)</script></body></html>');

/** A RIFF/WEBP file around one chunk. */
function webp(fourcc: string, data: Buffer): Buffer {
  const chunk = Buffer.concat([Buffer.from(fourcc, 'latin1'), Buffer.alloc(4), data]);
  chunk.writeUInt32LE(data.length, 4);
  const riff = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBP'), chunk]);
  riff.writeUInt32LE(riff.length - 8, 4);
  return riff;
}

/** tinyPng with its IHDR data changed by `edit`, and the CRC made right again. */
function pngWithHeader(edit: (ihdrData: Buffer) => void): Buffer {
  const png = Buffer.from(tinyPng);
  edit(png.subarray(16, 29));
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}

const inspected = (bytes: Buffer) => {
  const type = detectImageType(bytes);
  assert.ok(type !== null, 'the signature is one of ours');
  return inspectImage(bytes, type);
};

test('real PNG, JPEG and WebP images (lossless, lossy, extended) pass with their size', () => {
  const vp8 = webp('VP8 ', Buffer.from([0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x08, 0x00, 0x08, 0x00]));
  const vp8x = webp('VP8X', Buffer.from([0x00, 0, 0, 0, 0x07, 0, 0, 0x07, 0, 0]));
  for (const image of [tinyPng, tinyJpeg, tinyWebpLossless, vp8, vp8x]) {
    assert.deepEqual(inspected(image), { ok: true, header: { width: 8, height: 8 } });
  }
});

test('a PNG signature followed by anything but a sound IHDR is refused', () => {
  const badCrc = Buffer.from(tinyPng);
  badCrc[29] = (badCrc[29] ?? 0) ^ 0xff;
  const cases: Array<[string, Buffer, RegExp]> = [
    ['HTML after the signature', Buffer.concat([tinyPng.subarray(0, 8), html]), /13-byte IHDR/],
    ['only the signature', tinyPng.subarray(0, 8), /ends before/],
    ['a wrong CRC', badCrc, /CRC/],
    ['width 0', pngWithHeader((ihdr) => ihdr.writeUInt32BE(0, 0)), /not a plausible image/],
    ['height 2^31', pngWithHeader((ihdr) => ihdr.writeUInt32BE(2 ** 31, 4)), /not a plausible image/],
    ['bit depth 3', pngWithHeader((ihdr) => ihdr.writeUInt8(3, 8)), /bit depth/],
    [
      'interlace method 2',
      pngWithHeader((ihdr) => ihdr.writeUInt8(2, 12)),
      /bit depth, colour type or method/,
    ],
  ];
  for (const [name, bytes, problem] of cases) {
    const inspection = inspected(bytes);
    assert.equal(inspection.ok, false, name);
    assert.match(inspection.ok ? '' : inspection.problem, problem, name);
  }
});

test('a JPEG SOI followed by anything but marker segments up to a frame header is refused', () => {
  const soi = Buffer.from([0xff, 0xd8]);
  const cases: Array<[string, Buffer, RegExp]> = [
    ['HTML after a JFIF header', Buffer.concat([tinyJpeg.subarray(0, 20), html]), /byte 20 is not a marker/],
    ['HTML after an APP0 marker', Buffer.concat([soi, Buffer.from([0xff, 0xe0]), html]), /claims \d+ bytes/],
    [
      'scan data before any frame header',
      Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0x00]),
      /before any frame/,
    ],
    [
      'end of image before a frame header',
      Buffer.from([0xff, 0xd8, 0xff, 0xd9, 0x00, 0x00]),
      /before any frame/,
    ],
    [
      'a segment longer than the data',
      Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0x00]),
      /claims 65535/,
    ],
    ['only the signature', Buffer.from([0xff, 0xd8, 0xff, 0xe0]), /ends before/],
    [
      'a frame header of width 0',
      Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08, 0x00, 0x00, 0x01, 0x01, 0x11, 0x00]),
      /not a plausible image/,
    ],
  ];
  for (const [name, bytes, problem] of cases) {
    const inspection = inspected(bytes);
    assert.equal(inspection.ok, false, name);
    assert.match(inspection.ok ? '' : inspection.problem, problem, name);
  }
});

test('a RIFF/WEBP header followed by anything but a sound VP8, VP8L or VP8X chunk is refused', () => {
  const riffWebp = (rest: Buffer, riffSize = rest.length + 4) => {
    const header = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBP')]);
    header.writeUInt32LE(riffSize, 4);
    return Buffer.concat([header, rest]);
  };
  const cases: Array<[string, Buffer, RegExp]> = [
    ['HTML after WEBP', riffWebp(html), /first chunk is "<htm"/],
    ['a RIFF size past the data', riffWebp(tinyWebpLossless.subarray(12), 1_000_000), /RIFF header claims/],
    [
      'a chunk larger than the RIFF',
      webp('VP8L', Buffer.from([0x2f, 0, 0, 0, 0])).fill(0xff, 16, 20),
      /claims more/,
    ],
    [
      'VP8 without its start code',
      webp('VP8 ', Buffer.from([0x10, 0x02, 0x00, 0x3c, 0x68, 0x74, 0x08, 0x00, 0x08, 0x00])),
      /start code/,
    ],
    [
      'VP8 that is not a key frame',
      webp('VP8 ', Buffer.from([0x11, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x08, 0x00, 0x08, 0x00])),
      /key frame/,
    ],
    ['VP8L without its signature', webp('VP8L', Buffer.from([0x3c, 0x68, 0x74, 0x6d, 0x6c])), /signature/],
    ['VP8X too short', webp('VP8X', Buffer.from([0, 0, 0])), /too short/],
  ];
  for (const [name, bytes, problem] of cases) {
    const inspection = inspected(bytes);
    assert.equal(inspection.ok, false, name);
    assert.match(inspection.ok ? '' : inspection.problem, problem, name);
  }
});
