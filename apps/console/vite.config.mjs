// @ts-check
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The console is built into dist/console and served by the API at /console (no server of its own). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    // Chart.js is most of the bundle: a file of its own, cached apart from the console's code.
    rollupOptions: { output: { manualChunks: { charts: ['chart.js'] } } },
  },
});
