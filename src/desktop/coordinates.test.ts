import { describe, expect, it } from 'vitest';
import { ActionError } from '../errors.ts';
import {
  actionToScreen,
  fitInside,
  frameToScreen,
  normalizeRegion,
  regionToImage,
  screenToFrame,
} from './coordinates.ts';
import type { Size } from './desktop.ts';

const screens: Size[] = [
  { width: 1280, height: 800 },
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
  { width: 2560, height: 1440 },
  { width: 1080, height: 1920 },
  { width: 768, height: 1366 },
];

const specs = [
  { maxWidth: 1280, maxHeight: 800 },
  { maxWidth: 1024, maxHeight: 768 },
  { maxWidth: 1280, maxHeight: 720 },
  { maxWidth: 1568, maxHeight: 1568, maxPixels: 1_150_000 },
  { maxWidth: 4000, maxHeight: 4000 },
];

describe('fitInside', () => {
  it.each([
    [{ width: 1280, height: 800 }, { maxWidth: 1280, maxHeight: 800 }, [1280, 800]],
    [{ width: 1366, height: 768 }, { maxWidth: 1280, maxHeight: 800 }, [1280, 719]],
    [{ width: 1920, height: 1080 }, { maxWidth: 1280, maxHeight: 800 }, [1280, 720]],
    [{ width: 1920, height: 1080 }, { maxWidth: 1024, maxHeight: 768 }, [1024, 576]],
    [{ width: 2560, height: 1440 }, { maxWidth: 1280, maxHeight: 800 }, [1280, 720]],
    [{ width: 1080, height: 1920 }, { maxWidth: 1280, maxHeight: 800 }, [450, 800]],
    [{ width: 1280, height: 800 }, { maxWidth: 1024, maxHeight: 768 }, [1024, 640]],
    [{ width: 800, height: 600 }, { maxWidth: 1280, maxHeight: 800 }, [800, 600]],
  ])('fits %o into %o as %o', (screen, spec, [width, height]) => {
    expect(fitInside(screen, spec)).toEqual({ width, height });
  });

  it('keeps the largest size within a pixel budget', () => {
    for (const screen of screens) {
      const budget = 1_150_000;
      const sent = fitInside(screen, { maxWidth: 10_000, maxHeight: 10_000, maxPixels: budget });
      const area = (w: number) => w * Math.floor((screen.height * w) / screen.width);
      if (screen.width * screen.height <= budget) {
        expect(sent).toEqual(screen);
        continue;
      }
      expect(sent.width * sent.height).toBeLessThanOrEqual(budget);
      expect(area(sent.width + 1)).toBeGreaterThan(budget);
    }
  });

  it('never exceeds a limit and never enlarges the screen', () => {
    for (const screen of screens) {
      for (const spec of specs) {
        const sent = fitInside(screen, spec);
        expect(sent.width).toBeLessThanOrEqual(Math.min(spec.maxWidth, screen.width));
        expect(sent.height).toBeLessThanOrEqual(Math.min(spec.maxHeight, screen.height));
        if (spec.maxPixels) expect(sent.width * sent.height).toBeLessThanOrEqual(spec.maxPixels);
        // The aspect ratio is kept to within one pixel of the rounded side.
        expect(Math.abs(sent.height - (sent.width * screen.height) / screen.width)).toBeLessThan(
          1 + screen.height / screen.width,
        );
      }
    }
  });
});

describe('frameToScreen and screenToFrame', () => {
  it('map every frame pixel into the screen block it shows, and back to itself', () => {
    const misses: string[] = [];
    for (const screen of screens) {
      for (const spec of specs) {
        const frame = { screen, sent: fitInside(screen, spec) };
        for (const axis of [0, 1] as const) {
          const sentSide = axis === 0 ? frame.sent.width : frame.sent.height;
          const screenSide = axis === 0 ? screen.width : screen.height;
          const scale = screenSide / sentSide;
          for (let v = 0; v < sentSide; v += 1) {
            const point: [number, number] = axis === 0 ? [v, 0] : [0, v];
            const mapped = frameToScreen(point, frame)[axis];
            const back = screenToFrame(axis === 0 ? [mapped, 0] : [0, mapped], frame)[axis];
            // The screen pixel's centre must lie inside the block the frame pixel stands for.
            const centre = mapped + 0.5;
            if (centre < v * scale || centre > (v + 1) * scale || back !== v) {
              misses.push(`${screenSide}→${sentSide}: ${v} → ${mapped} → ${back}`);
            }
          }
        }
      }
    }
    expect(misses).toEqual([]);
  });

  it('is the identity when the frame is the screen', () => {
    const frame = { screen: { width: 1366, height: 768 }, sent: { width: 1366, height: 768 } };
    expect(frameToScreen([0, 0], frame)).toEqual([0, 0]);
    expect(frameToScreen([683, 400], frame)).toEqual([683, 400]);
    expect(frameToScreen([1365, 767], frame)).toEqual([1365, 767]);
  });

  it('maps the corners of a shrunk frame to the corners of the screen', () => {
    const frame = { screen: { width: 1920, height: 1080 }, sent: { width: 1280, height: 720 } };
    expect(frameToScreen([0, 0], frame)).toEqual([0, 0]);
    expect(frameToScreen([1279, 719], frame)).toEqual([1919, 1079]);
    expect(frameToScreen([640, 360], frame)).toEqual([960, 540]);
  });

  it('maps fractional coordinates to the pixel under them', () => {
    const frame = { screen: { width: 1920, height: 1080 }, sent: { width: 1280, height: 720 } };
    expect(frameToScreen([100.4, 10.6], frame)).toEqual([151, 16]);
  });

  it.each([
    [-1, 10],
    [10, -0.5],
    [1280, 10],
    [10, 720],
    [Number.NaN, 10],
  ])('refuses (%s, %s) outside a 1280×720 frame with an action error', (x, y) => {
    const frame = { screen: { width: 1920, height: 1080 }, sent: { width: 1280, height: 720 } };
    const call = () => frameToScreen([x, y], frame);
    expect(call).toThrow(ActionError);
    expect(call).toThrow(/outside the screenshot, which is 1280×720/);
  });
});

describe('regions', () => {
  it('maps a screen region to device pixels on a HiDPI display', () => {
    expect(regionToImage([10, 20, 110, 70], 2, { width: 2880, height: 1800 })).toEqual([
      20, 40, 220, 140,
    ]);
    expect(regionToImage([1, 1, 3, 3], 1.5, { width: 100, height: 100 })).toEqual([1, 1, 5, 5]);
  });

  it('orders the corners and refuses empty or outside regions', () => {
    const screen = { width: 100, height: 50 };
    expect(normalizeRegion([50, 40, 10, 0], screen)).toEqual([10, 0, 50, 40]);
    expect(() => normalizeRegion([10, 10, 10, 20], screen)).toThrow(/is empty/);
    expect(() => normalizeRegion([0, 0, 101, 10], screen)).toThrow(/leaves the 100×50 screen/);
  });
});

describe('actionToScreen', () => {
  const frame = { screen: { width: 1920, height: 1080 }, sent: { width: 1280, height: 720 } };

  it('maps both ends of a drag', () => {
    expect(
      actionToScreen(
        { action: 'left_click_drag', start_coordinate: [10, 20], coordinate: [100, 200] },
        frame,
      ),
    ).toEqual({ action: 'left_click_drag', start_coordinate: [15, 30], coordinate: [150, 300] });
  });

  it('maps a zoom region edge to edge, the whole frame to the whole screen', () => {
    expect(actionToScreen({ action: 'zoom', region: [0, 0, 1280, 720] }, frame)).toEqual({
      action: 'zoom',
      region: [0, 0, 1920, 1080],
    });
    expect(actionToScreen({ action: 'zoom', region: [100, 50, 20, 10] }, frame)).toEqual({
      action: 'zoom',
      region: [30, 15, 150, 75],
    });
    expect(() => actionToScreen({ action: 'zoom', region: [0, 0, 1281, 10] }, frame)).toThrow(
      ActionError,
    );
  });

  it('keeps actions without coordinates as they are', () => {
    const key = { action: 'key', text: 'ctrl+l' } as const;
    expect(actionToScreen(key, frame)).toBe(key);
    expect(actionToScreen({ action: 'left_click', text: 'shift' }, frame)).toEqual({
      action: 'left_click',
      text: 'shift',
    });
  });
});
