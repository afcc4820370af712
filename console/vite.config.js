import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The console is served by the gateway from dist/; `npm run dev` proxies the API to a local run.
export default defineConfig({
  plugins: [vue()],
  build: { chunkSizeWarningLimit: 2000 },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/auth': 'http://127.0.0.1:8080' },
  },
});
