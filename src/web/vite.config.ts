/** Vite build of the dashboard: src/web -> dist/web, served by src/server/static.ts. */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  // No React plugin: Vite's own transform compiles TSX with the automatic JSX runtime; the dashboard
  // needs no fast refresh in production builds.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 600,
    sourcemap: false,
  },
  logLevel: 'warn',
});
