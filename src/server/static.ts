/**
 * Serves the built web bundle (vite build -> dist/web): hashed assets with long caching (gzipped when the
 * browser takes it), and index.html for every other GET so the dashboard's client-side routes (/settings,
 * /reports, ...) load directly.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Context, Hono } from 'hono';

/** Compresses off the event loop (the bundle's first request must not block the server's other requests). */
const gzip = promisify(gzipCallback);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Asset types worth compressing (text); images and fonts are compressed already. */
const TEXT = new Set(['.js', '.css', '.svg', '.json']);

/**
 * Adds the bundle's routes to `app`; with no bundle, a page that says how to build it. `signedIn` says
 * whether a request comes with a live session: its page then says so (`data-session="signed-in"` on the
 * root element), and the app draws the dashboard at once instead of asking first. (Reading
 * `document.cookie` to guess it measured up to 30 ms of the page's main thread on a busy machine: the
 * cookie jar is another process.)
 */
export function serveWeb<E extends object>(app: Hono<E>, root: string | null, opts: { signedIn?: (c: Context<E>) => boolean } = {}): void {
  const cache = new Map<string, Buffer>();
  // Each text asset gzipped once, on its first request (the bundle's ~400 KB of script is ~130 KB so).
  // The promise is kept, so requests that arrive together while it is made share one compression.
  const gzipped = new Map<string, Promise<Buffer>>();
  const load = async (rel: string): Promise<Buffer | null> => {
    if (!root) return null;
    const hit = cache.get(rel);
    if (hit) return hit;
    const path = normalize(join(root, rel));
    if (!path.startsWith(normalize(root) + sep)) return null; // no ../ escapes
    try {
      if (!(await stat(path)).isFile()) return null;
      const buf = await readFile(path);
      // Hashed assets never change; index.html is re-read so a rebuild shows without a restart.
      if (rel !== 'index.html') cache.set(rel, buf);
      return buf;
    } catch {
      return null;
    }
  };
  app.get('*', async (c) => {
    const path = decodeURIComponent(c.req.path);
    if (path.startsWith('/assets/') || /\.[a-z0-9]+$/i.test(path)) {
      const buf = await load(path.slice(1));
      if (!buf) return c.text('not found', 404);
      c.header('Content-Type', TYPES[extname(path)] ?? 'application/octet-stream');
      // Vite puts a content hash in every asset name, so they never change under the same URL.
      if (path.startsWith('/assets/')) c.header('Cache-Control', 'public, max-age=31536000, immutable');
      if (!TEXT.has(extname(path))) return c.body(new Uint8Array(buf));
      c.header('Vary', 'Accept-Encoding');
      if (!/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) return c.body(new Uint8Array(buf));
      let gz = gzipped.get(path);
      if (!gz) {
        gzipped.set(path, (gz = gzip(buf, { level: 9 })));
        gz.catch(() => gzipped.delete(path));
      }
      const body = await gz;
      c.header('Content-Encoding', 'gzip');
      return c.body(new Uint8Array(body));
    }
    const index = await load('index.html');
    if (!index) {
      return c.html('<!doctype html><title>Konduit</title><p>The dashboard is not built. Run <code>npm run build:web</code> (or <code>npm ci</code>, which builds it).</p>', 503);
    }
    // The page differs by session (the signed-in mark): never kept by a shared cache.
    c.header('Cache-Control', 'private, no-cache');
    c.header('Vary', 'Cookie');
    const html = index.toString('utf8');
    return c.html(opts.signedIn?.(c) ? html.replace('<div id="root">', '<div id="root" data-session="signed-in">') : html);
  });
}
