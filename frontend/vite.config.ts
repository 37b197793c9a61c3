// Build and unit-test configuration. The production build goes to dist/, which the praetor
// binary embeds; `npm run dev` proxies the API to a server on 127.0.0.1:8080.
import { defineConfig } from 'vitest/config';

const backend = process.env.PRAETOR_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      onwarn(warning, warn) {
        // react-router ships "use client" directives, meaningless in a client-only bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    // The policy editor imports the policy documents' JSON Schema from ../policies/schema.
    fs: { allow: ['.', '../policies/schema'] },
    proxy: {
      '/graphql/ws': { target: backend.replace(/^http/, 'ws'), ws: true },
      '/graphql': backend,
      '/auth': backend,
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
  },
});
