import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeRawFrame, encodeRawRegion, type RawImage } from './frame-encoder.ts';

/** A BGRA image whose left half is pure red and right half pure blue, rows padded by `pad`. */
function redBlue(width: number, height: number, pad = 0): RawImage {
  const byteWidth = width * 4 + pad;
  const data = new Uint8Array(byteWidth * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const at = y * byteWidth + x * 4;
      const red = x < width / 2;
      data.set(red ? [0, 0, 255, 255] : [255, 0, 0, 255], at);
    }
  }
  return { data, width, height, byteWidth };
}

async function pixel(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [...data.subarray(at, at + 3)];
}

describe('encodeRawFrame', () => {
  it('swaps BGRA into RGB and shrinks inside the spec', async () => {
    const frame = await encodeRawFrame(
      redBlue(192, 108),
      { width: 192, height: 108 },
      { maxWidth: 128, maxHeight: 128, format: 'png' },
    );
    expect(frame.sent).toEqual({ width: 128, height: 72 });
    expect(frame.screen).toEqual({ width: 192, height: 108 });
    expect(frame.scale).toBeCloseTo(2 / 3);
    expect(await pixel(frame.image, 10, 10)).toEqual([255, 0, 0]);
    expect(await pixel(frame.image, 120, 60)).toEqual([0, 0, 255]);
  });

  it('reads padded rows and encodes jpeg', async () => {
    const frame = await encodeRawFrame(
      redBlue(64, 32, 16),
      { width: 64, height: 32 },
      { maxWidth: 64, maxHeight: 32, format: 'jpeg' },
    );
    const meta = await sharp(frame.image).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 64, height: 32 });
    const [r, g, b] = await pixel(frame.image, 5, 5);
    expect(r).toBeGreaterThan(230);
    expect(g! + b!).toBeLessThan(40);
  });

  it('sends a HiDPI capture at the size its mouse coordinates have', async () => {
    const frame = await encodeRawFrame(
      redBlue(200, 100),
      { width: 100, height: 50 },
      { maxWidth: 1000, maxHeight: 1000, format: 'png' },
    );
    expect(frame.sent).toEqual({ width: 100, height: 50 });
    expect(frame.scale).toBe(1);
  });
});

describe('encodeRawRegion', () => {
  it('cuts the region at full resolution', async () => {
    const frame = await encodeRawRegion(
      redBlue(100, 50),
      [40, 10, 60, 30],
      { width: 20, height: 20 },
      { maxWidth: 1280, maxHeight: 800, format: 'png' },
    );
    expect(frame.sent).toEqual({ width: 20, height: 20 });
    expect(await pixel(frame.image, 2, 2)).toEqual([255, 0, 0]);
    expect(await pixel(frame.image, 17, 2)).toEqual([0, 0, 255]);
  });
});
