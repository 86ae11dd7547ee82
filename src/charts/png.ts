/**
 * Turning image tensors into PNG data URIs (pngjs), tiled into grids like torchvision's make_grid.
 */
import { PNG } from 'pngjs';
import { tf } from '../tf';
import type * as TF from '@tensorflow/tfjs';

/** How pixel values map to 0..255: 'clip' clamps [0,1]; 'minmax' stretches the batch's range; 'auto' clips when the values already lie in [0,1], else stretches. */
export type PixelScale = 'auto' | 'clip' | 'minmax';

/** Options of {@link gridPng}. */
export interface GridOptions {
  /** Images per row (default 8, as make_grid). */
  columns?: number;
  /** Padding between images in pixels (default 2). */
  padding?: number;
  /** Value mapping (default 'auto'). */
  scale?: PixelScale;
  /** Enlarge each pixel this many times (default: so that a tile is at least 64 px wide). */
  zoom?: number;
}

/** A tiled image as PNG bytes plus its size. */
export interface GridImage {
  png: Buffer;
  dataUri: string;
  width: number;
  height: number;
}

/** Tiles a batch of images [N,H,W,C] (C = 1 or 3) or [N,H,W] into one PNG. */
export function gridPng(images: TF.Tensor, options: GridOptions = {}): GridImage {
  const x = tf.tidy(() => (images.rank === 3 ? images.expandDims(-1) : images).toFloat()) as TF.Tensor4D;
  try {
    if (x.rank !== 4) throw new Error(`gridPng: expected images shaped [N, H, W, C] or [N, H, W]; found shape [${images.shape.join(', ')}].`);
    const [n, h, w, c] = x.shape;
    if (c !== 1 && c !== 3) throw new Error(`gridPng: expected 1 or 3 channels; found ${c} (shape [${images.shape.join(', ')}]).`);
    const values = x.dataSync();
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < values.length; i++) { const v = values[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
    const scale = options.scale ?? 'auto';
    const stretch = scale === 'minmax' || (scale === 'auto' && (lo < 0 || hi > 1));
    const span = hi - lo || 1;
    const map = stretch ? (v: number) => (v - lo) / span : (v: number) => Math.min(1, Math.max(0, v));
    const cols = Math.min(options.columns ?? 8, n);
    const rows = Math.ceil(n / cols);
    const pad = options.padding ?? 2;
    const zoom = options.zoom ?? Math.max(1, Math.ceil(64 / w));
    const tw = w * zoom, th = h * zoom;
    const width = cols * tw + (cols + 1) * pad;
    const height = rows * th + (rows + 1) * pad;
    const png = new PNG({ width, height });
    png.data.fill(255);
    for (let k = 0; k < n; k++) {
      const ox = pad + (k % cols) * (tw + pad), oy = pad + Math.floor(k / cols) * (th + pad);
      for (let yy = 0; yy < th; yy++) {
        for (let xx = 0; xx < tw; xx++) {
          const src = ((k * h + Math.floor(yy / zoom)) * w + Math.floor(xx / zoom)) * c;
          const dst = ((oy + yy) * width + ox + xx) * 4;
          for (let ch = 0; ch < 3; ch++) png.data[dst + ch] = Math.round(255 * map(values[src + (c === 1 ? 0 : ch)]));
          png.data[dst + 3] = 255;
        }
      }
    }
    const buf = PNG.sync.write(png);
    return { png: buf, dataUri: `data:image/png;base64,${buf.toString('base64')}`, width, height };
  } finally {
    x.dispose();
  }
}
