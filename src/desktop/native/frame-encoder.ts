import sharp, { type Matrix3x3, type Sharp } from 'sharp';
import { fitInside, type Region } from '../coordinates.ts';
import type { Frame, FrameSpec, Size } from '../desktop.ts';

/**
 * Raw pixels as nut-js `screen.grab()` returns them: 4 bytes per pixel in B, G, R, A order, with
 * rows `byteWidth` bytes apart (which may be more than `width * 4`).
 */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  byteWidth: number;
}

const BGR_TO_RGB: Matrix3x3 = [
  [0, 0, 1],
  [0, 1, 0],
  [1, 0, 0],
];

/**
 * Shrinks and encodes a grabbed screen as the spec asks. `screen` is the size in the pixels the
 * mouse uses; the raw image may be larger on a HiDPI display, and is resized to the sent size all
 * the same, so the frame's scale always relates frame and mouse coordinates.
 */
export function encodeRawFrame(raw: RawImage, screen: Size, spec: FrameSpec): Promise<Frame> {
  return encode(rawPipeline(raw), screen, fitInside(screen, spec), spec);
}

/**
 * A region of a grabbed screen at full resolution, shrunk only if it does not fit the spec. The
 * region is in device pixels; `screen` is its size in mouse pixels.
 */
export function encodeRawRegion(
  raw: RawImage,
  region: Region,
  screen: Size,
  spec: FrameSpec,
): Promise<Frame> {
  const [left, top, right, bottom] = region;
  const device = { width: right - left, height: bottom - top };
  const pipeline = rawPipeline(raw).extract({ left, top, ...device });
  // Full resolution means device pixels: a Retina region is sent at twice its mouse size.
  return encode(pipeline, screen, fitInside(device, spec), spec);
}

/** An already encoded screenshot (from screenshot-desktop), shrunk and re-encoded. */
export function encodeImageFrame(image: Buffer, screen: Size, spec: FrameSpec): Promise<Frame> {
  return encode(sharp(image).removeAlpha(), screen, fitInside(screen, spec), spec);
}

function rawPipeline(raw: RawImage): Sharp {
  return sharp(packRows(raw), { raw: { width: raw.width, height: raw.height, channels: 4 } })
    .removeAlpha()
    .recomb(BGR_TO_RGB);
}

async function encode(pipeline: Sharp, screen: Size, sent: Size, spec: FrameSpec): Promise<Frame> {
  const resized = pipeline.resize(sent.width, sent.height, { fit: 'fill' });
  const encoded = spec.format === 'jpeg' ? resized.jpeg({ quality: 80 }) : resized.png();
  return {
    image: await encoded.toBuffer(),
    format: spec.format,
    screen,
    sent,
    scale: sent.width / screen.width,
    capturedAt: new Date(),
  };
}

/** sharp wants rows packed end to end; X servers may pad them. */
function packRows(raw: RawImage): Buffer {
  const rowBytes = raw.width * 4;
  const data = Buffer.from(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
  if (raw.byteWidth === rowBytes) return data.subarray(0, rowBytes * raw.height);

  const packed = Buffer.allocUnsafe(rowBytes * raw.height);
  for (let row = 0; row < raw.height; row += 1) {
    data.copy(packed, row * rowBytes, row * raw.byteWidth, row * raw.byteWidth + rowBytes);
  }
  return packed;
}
