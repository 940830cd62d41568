import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
// Fonts from npm, served with the app (no CDN): Inter for Latin, Noto Sans KR for Hangul, both variable.
import '@fontsource-variable/inter'
import '@fontsource-variable/noto-sans-kr'
import './index.css'
import './i18n'
import { App } from './App'

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
