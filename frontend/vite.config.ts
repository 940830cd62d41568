import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'
import tailwindcss from '@tailwindcss/vite'

// The local runtime serves the API, the WebSocket and the built app on one port (A2G_PORT, default 3000);
// `npm run dev` proxies to it so the dev server behaves exactly like the same-origin production build.
const runtime = process.env.A2G_RUNTIME_URL ?? `http://127.0.0.1:${process.env.A2G_PORT ?? '3000'}`

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: {
    port: 5173,
    proxy: {
      '/api': { target: runtime, changeOrigin: true },
      '/ws': { target: runtime.replace(/^http/, 'ws'), ws: true },
    },
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 700,
  },
})
