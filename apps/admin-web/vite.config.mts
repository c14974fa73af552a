import { defineConfig } from 'vite';

/**
 * The admin console's build. Served by the service at /settings/ (bootstrap.ts), or from any
 * origin of its own: VITE_API_BASE_URL then names the service (and ADMIN_CORS_ORIGINS there
 * lists this origin).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/settings/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline script or style in what the browser loads: the page's CSP has script-src 'self'.
    assetsInlineLimit: 0,
    sourcemap: true,
    target: 'es2022',
  },
  // Preact's JSX runtime (no Babel, no preset: the bundler's own transform reads tsconfig.json).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
