import { lazy, Suspense, useEffect, useMemo, type ReactNode } from 'react'
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom'
import { CssBaseline, GlobalStyles, ThemeProvider } from '@mui/material'
import { StyledEngineProvider } from '@mui/material/styles'
import { useTranslation } from 'react-i18next'
import { buildTheme, cssVariables } from './theme'
import { useUiStore } from './store/ui'
import { useAuthStore } from './store/auth'
import { getSocket, stopSocket } from './store/realtime'
import { useTraceStore } from './store/trace'
import { useChatStore } from './store/chat'
import { AppShell } from './components/AppShell'
import { LoadingState, ErrorState } from './components/States'
import { Toaster } from './components/Toaster'
import { SignInPage } from './pages/SignInPage'
import { PendingPage } from './pages/PendingPage'
import { WorkspacePage } from './pages/WorkspacePage'
import { NotFoundPage } from './pages/NotFoundPage'

// Heavy pages load on demand so the first bundle stays small: the playground pulls in markdown and syntax
// highlighting, the statistics page pulls in charts.
const PlaygroundPage = lazy(() => import('./pages/PlaygroundPage'))
const OperationPage = lazy(() => import('./pages/OperationPage'))
const SettingsPage = lazy(() => import('./pages/SettingsPage'))
const AdminUsersPage = lazy(() => import('./pages/admin/AdminUsersPage'))
const AdminLlmsPage = lazy(() => import('./pages/admin/AdminLlmsPage'))
const AdminStatsPage = lazy(() => import('./pages/admin/AdminStatsPage'))
const AdminAuditPage = lazy(() => import('./pages/admin/AdminAuditPage'))

function ThemeRoot({ children }: { children: ReactNode }) {
  const { colorScheme, mode, language } = useUiStore()
  const theme = useMemo(() => buildTheme(colorScheme, mode), [colorScheme, mode])
  useEffect(() => {
    const root = document.documentElement
    for (const [k, v] of Object.entries(cssVariables(colorScheme, mode))) root.style.setProperty(k, v)
    root.classList.toggle('dark', colorScheme === 'dark')
    root.dataset.mode = mode
    root.lang = language
    root.style.colorScheme = colorScheme
  }, [colorScheme, mode, language])
  return (
    <StyledEngineProvider enableCssLayer>
      <GlobalStyles styles="@layer theme, base, mui, components, utilities;" />
      <ThemeProvider theme={theme}>
        <CssBaseline />
        {children}
      </ThemeProvider>
    </StyledEngineProvider>
  )
}

/** Runs the WebSocket while someone is signed in and routes its messages to the stores. */
function RealtimeBridge() {
  // Only approved users may open the WebSocket (its authorizer refuses PENDING accounts).
  const approved = useAuthStore((s) => s.status === 'signed_in' && (s.user?.role === 'USER' || s.user?.role === 'ADMIN'))
  useEffect(() => {
    if (!approved) return
    const socket = getSocket()
    const offState = socket.onState((s) => useTraceStore.getState().setConnection(s))
    const offMsg = socket.onMessage((msg) => {
      useTraceStore.getState().handleServerMessage(msg)
      useChatStore.getState().handleServerMessage(msg)
    })
    socket.start()
    return () => {
      offState()
      offMsg()
      stopSocket()
    }
  }, [approved])
  return null
}

function RequireAuth({ children, admin = false, allowPending = false }: { children: ReactNode; admin?: boolean; allowPending?: boolean }) {
  const { t } = useTranslation()
  const { status, user } = useAuthStore()
  const location = useLocation()
  if (status === 'unknown') return <LoadingState />
  if (status === 'signed_out' || !user)
    return <Navigate to={{ pathname: '/signin', search: location.search }} replace state={{ from: location.pathname + location.search }} />
  if (user.role === 'PENDING' && !allowPending) return <Navigate to="/pending" replace />
  if (admin && user.role !== 'ADMIN')
    return (
      <div className="max-w-xl mx-auto p-10">
        <ErrorState message={t('errors.forbidden')} />
      </div>
    )
  return <>{children}</>
}

function HomeRedirect() {
  const mode = useUiStore((s) => s.mode)
  return <Navigate to={mode === 'operation' ? '/operation' : '/workspace'} replace />
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/signin" element={<SignInPage />} />
      <Route path="/pending" element={<RequireAuth allowPending><PendingPage /></RequireAuth>} />
      <Route element={<RequireAuth><AppShell /></RequireAuth>}>
        <Route index element={<HomeRedirect />} />
        <Route path="/workspace" element={<WorkspacePage />} />
        <Route path="/workspace/agents/:agentId" element={<PlaygroundPage mode="development" />} />
        <Route path="/operation" element={<OperationPage />} />
        <Route path="/operation/agents/:agentId" element={<PlaygroundPage mode="operation" />} />
        <Route path="/settings" element={<SettingsPage />} />
        <Route path="/admin" element={<Navigate to="/admin/users" replace />} />
        <Route path="/admin/users" element={<RequireAuth admin><AdminUsersPage /></RequireAuth>} />
        <Route path="/admin/llms" element={<RequireAuth admin><AdminLlmsPage /></RequireAuth>} />
        <Route path="/admin/stats" element={<RequireAuth admin><AdminStatsPage /></RequireAuth>} />
        <Route path="/admin/audit" element={<RequireAuth admin><AdminAuditPage /></RequireAuth>} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  )
}

export function App() {
  const bootstrap = useAuthStore((s) => s.bootstrap)
  useEffect(() => {
    void bootstrap()
  }, [bootstrap])
  return (
    <ThemeRoot>
      <BrowserRouter>
        <RealtimeBridge />
        <Suspense fallback={<LoadingState />}>
          <AppRoutes />
        </Suspense>
        <Toaster />
      </BrowserRouter>
    </ThemeRoot>
  )
}
