/**
 * The tray and app icons, drawn from shapes. Each tray state has its own shape, so the state reads without colour
 * (macOS template images are black and alpha only): unconfigured = an empty ring, joining = a ring with a dot,
 * online = a filled disc, attention = a disc with an exclamation mark cut out. Elsewhere the shapes are coloured too.
 */
import type { TrayIconState } from '../tray/tray-model.ts';
import { encodePng } from './png.ts';

type Rgb = readonly [number, number, number];
type Shape = (x: number, y: number) => boolean;

export const TRAY_STATES: readonly TrayIconState[] = ['unconfigured', 'joining', 'online', 'attention'];

const COLOURS: Record<TrayIconState, Rgb> = {
  unconfigured: [128, 128, 128],
  joining: [230, 160, 20],
  online: [40, 170, 90],
  attention: [215, 60, 50],
};

/** Shapes on the unit square (0..1), centred at 0.5. */
const disc = (r: number): Shape => (x, y) => (x - 0.5) ** 2 + (y - 0.5) ** 2 <= r * r;
const ring = (outer: number, inner: number): Shape => (x, y) => disc(outer)(x, y) && !disc(inner)(x, y);
const rect = (x0: number, y0: number, x1: number, y1: number): Shape => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
const union = (...shapes: Shape[]): Shape => (x, y) => shapes.some((s) => s(x, y));
const minus = (a: Shape, b: Shape): Shape => (x, y) => a(x, y) && !b(x, y);

const TRAY_SHAPES: Record<TrayIconState, Shape> = {
  unconfigured: ring(0.44, 0.3),
  joining: union(ring(0.44, 0.3), disc(0.14)),
  online: disc(0.44),
  attention: minus(disc(0.44), union(rect(0.43, 0.2, 0.57, 0.58), rect(0.43, 0.67, 0.57, 0.8))),
};

/** Rasterize with 4×4 supersampling for smooth edges at 16 px. */
function render(size: number, shape: Shape, colour: Rgb): Buffer {
  const rgba = new Uint8Array(size * size * 4);
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hits = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) if (shape((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size)) hits++;
      }
      const i = (py * size + px) * 4;
      rgba.set([colour[0], colour[1], colour[2], Math.round((255 * hits) / (samples * samples))], i);
    }
  }
  return encodePng(size, size, rgba);
}

/** A coloured tray icon (Windows, Linux). */
export function trayIconPng(state: TrayIconState, size: number): Buffer {
  return render(size, TRAY_SHAPES[state], COLOURS[state]);
}

/** A macOS template image: black and alpha only; the menu bar tints it for light and dark mode. */
export function trayTemplatePng(state: TrayIconState, size: number): Buffer {
  return render(size, TRAY_SHAPES[state], [0, 0, 0]);
}

/** The application icon: a ZeroTier-like ring holding three nodes, on a dark disc. */
export function appIconPng(size: number): Buffer {
  const rgba = new Uint8Array(size * size * 4);
  const background = disc(0.48);
  const mark = union(ring(0.36, 0.3), ...[0, 1, 2].map((k) => {
    const a = (k * 2 * Math.PI) / 3 - Math.PI / 2;
    const cx = 0.5 + 0.33 * Math.cos(a);
    const cy = 0.5 + 0.33 * Math.sin(a);
    return (x: number, y: number) => (x - cx) ** 2 + (y - cy) ** 2 <= 0.085 ** 2;
  }));
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let bg = 0;
      let fg = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          if (mark(x, y)) fg++;
          else if (background(x, y)) bg++;
        }
      }
      const n = samples * samples;
      const alpha = (bg + fg) / n;
      const f = alpha > 0 ? fg / (bg + fg) : 0;
      // Dark slate background, green mark.
      const colour = [Math.round(30 + f * (40 - 30)), Math.round(41 + f * (190 - 41)), Math.round(59 + f * (100 - 59))];
      rgba.set([colour[0]!, colour[1]!, colour[2]!, Math.round(alpha * 255)], (py * size + px) * 4);
    }
  }
  return encodePng(size, size, rgba);
}
