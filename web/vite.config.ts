import { defineConfig } from 'vite';

// Preact through esbuild's automatic JSX runtime: no Babel, few dependencies.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The server's CSP allows only same-origin scripts and styles: keep everything in files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
