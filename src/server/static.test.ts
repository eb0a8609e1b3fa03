import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveWeb } from './static.js';

let root: string;
const script = `export const x = ${JSON.stringify('konduit '.repeat(2000))};\n`;
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'konduit-static-'));
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'index.html'), '<!doctype html><div id="root"></div>');
  await writeFile(join(root, 'assets', 'app-1.js'), script);
  await writeFile(join(root, 'assets', 'logo-1.png'), png);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('the web bundle', () => {
  const app = new Hono();
  serveWeb(app, null);
  const served = new Hono();
  let signedIn = false;
  beforeAll(() => serveWeb(served, root, { signedIn: () => signedIn }));

  it('sends a text asset gzipped to a browser that takes gzip, as built to one that does not', async () => {
    const gz = await served.request('/assets/app-1.js', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('vary')).toBe('Accept-Encoding');
    const body = Buffer.from(await gz.arrayBuffer());
    expect(body.length).toBeLessThan(script.length / 10);
    expect(gunzipSync(body).toString('utf8')).toBe(script);
    const plain = await served.request('/assets/app-1.js');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(script);
    // Already compressed formats go as they are.
    const image = await served.request('/assets/logo-1.png', { headers: { 'accept-encoding': 'gzip' } });
    expect(image.headers.get('content-encoding')).toBeNull();
    expect(Buffer.from(await image.arrayBuffer())).toEqual(png);
  });

  it('marks the page signed-in only when the request comes with a live session', async () => {
    signedIn = false;
    expect(await (await served.request('/reports/overview')).text()).toBe('<!doctype html><div id="root"></div>');
    signedIn = true;
    expect(await (await served.request('/reports/overview')).text()).toBe('<!doctype html><div id="root" data-session="signed-in"></div>');
  });

  it('without a bundle, says how to build it', async () => {
    const res = await app.request('/reports/overview');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:web');
  });
});
