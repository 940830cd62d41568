/**
 * The frame of every signed-in page: a clean left navigation rail (collapsible), and a top bar tinted by the
 * mode — pastel red in development, pastel blue in operation — so the mode is obvious at a glance.
 */
import { Suspense, useEffect, type ReactNode } from 'react'
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom'
import {
  Avatar, Box, Divider, Drawer, IconButton, ListItemIcon, Menu, MenuItem, ToggleButton, ToggleButtonGroup, Tooltip, Typography,
  useMediaQuery, useTheme,
} from '@mui/material'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import WidgetsRoundedIcon from '@mui/icons-material/WidgetsRounded'
import AutoAwesomeRoundedIcon from '@mui/icons-material/AutoAwesomeRounded'
import SettingsRoundedIcon from '@mui/icons-material/SettingsRounded'
import GroupRoundedIcon from '@mui/icons-material/GroupRounded'
import MemoryRoundedIcon from '@mui/icons-material/MemoryRounded'
import InsightsRoundedIcon from '@mui/icons-material/InsightsRounded'
import ReceiptLongRoundedIcon from '@mui/icons-material/ReceiptLongRounded'
import MenuRoundedIcon from '@mui/icons-material/MenuRounded'
import DarkModeRoundedIcon from '@mui/icons-material/DarkModeRounded'
import LightModeRoundedIcon from '@mui/icons-material/LightModeRounded'
import TranslateRoundedIcon from '@mui/icons-material/TranslateRounded'
import LogoutRoundedIcon from '@mui/icons-material/LogoutRounded'
import CodeRoundedIcon from '@mui/icons-material/CodeRounded'
import StorefrontRoundedIcon from '@mui/icons-material/StorefrontRounded'
import { Logo, LogoMark } from './Logo'
import { LoadingState } from './States'
import { useAuthStore } from '../store/auth'
import { useUiStore, type WorkMode } from '../store/ui'

interface NavItem {
  to: string
  label: string
  icon: ReactNode
}

/** Which mode a path belongs to; settings and admin keep whichever mode the user was in. */
export function modeForPath(pathname: string): WorkMode | null {
  if (pathname.startsWith('/operation')) return 'operation'
  if (pathname.startsWith('/workspace')) return 'development'
  return null
}

function RailLink({ item, expanded }: { item: NavItem; expanded: boolean }) {
  const link = (
    <NavLink
      to={item.to}
      aria-label={item.label}
      className={({ isActive }) =>
        `flex items-center gap-3 rounded-full h-11 no-underline transition-colors ${expanded ? 'px-4' : 'justify-center w-11 mx-auto'} ${
          isActive ? 'font-semibold' : 'hover:bg-[var(--a2g-raised)]'
        }`
      }
      style={({ isActive }) => ({
        background: isActive ? 'var(--a2g-tint-strong)' : undefined,
        color: isActive ? 'var(--a2g-on-tint)' : 'var(--a2g-text)',
      })}
    >
      <span className="flex shrink-0" aria-hidden>
        {item.icon}
      </span>
      {expanded && <span className="truncate text-[0.94rem]">{item.label}</span>}
    </NavLink>
  )
  // MUI's Tooltip merges class names into its child and would drop NavLink's className function, so the
  // collapsed link sits inside a plain wrapper.
  return expanded ? link : (
    <Tooltip title={item.label} placement="right">
      <span className="flex justify-center">{link}</span>
    </Tooltip>
  )
}

function ModeSwitch({ expanded }: { expanded: boolean }) {
  const { t } = useTranslation()
  const mode = useUiStore((s) => s.mode)
  const navigate = useNavigate()
  const go = (m: WorkMode) => navigate(m === 'operation' ? '/operation' : '/workspace')
  if (!expanded) {
    const other: WorkMode = mode === 'development' ? 'operation' : 'development'
    return (
      <Tooltip title={t('mode.switchTo', { mode: t(`mode.${other}`) })} placement="right">
        <IconButton aria-label={t('mode.switchTo', { mode: t(`mode.${other}`) })} onClick={() => go(other)} sx={{ mx: 'auto', bgcolor: 'var(--a2g-tint)', color: 'var(--a2g-on-tint)' }}>
          {mode === 'development' ? <CodeRoundedIcon /> : <StorefrontRoundedIcon />}
        </IconButton>
      </Tooltip>
    )
  }
  return (
    <ToggleButtonGroup
      exclusive
      fullWidth
      size="small"
      value={mode}
      onChange={(_, v: WorkMode | null) => v && go(v)}
      aria-label={t('mode.developmentMode') + ' / ' + t('mode.operationMode')}
      sx={{
        bgcolor: 'var(--a2g-raised)', borderRadius: 999, p: 0.5,
        '& .MuiToggleButton-root': { border: 0, borderRadius: '999px !important', textTransform: 'none', py: 0.6, color: 'var(--a2g-muted)', gap: 0.75 },
        '& .Mui-selected': { bgcolor: 'var(--a2g-surface) !important', color: 'var(--a2g-on-tint) !important', boxShadow: '0 1px 3px rgba(0,0,0,.12)', fontWeight: 600 },
      }}
    >
      <ToggleButton value="development" data-testid="mode-development">
        <Box component="span" sx={{ width: 8, height: 8, borderRadius: 9, bgcolor: '#F28B82' }} />
        {t('mode.development')}
      </ToggleButton>
      <ToggleButton value="operation" data-testid="mode-operation">
        <Box component="span" sx={{ width: 8, height: 8, borderRadius: 9, bgcolor: '#8AB4F8' }} />
        {t('mode.operation')}
      </ToggleButton>
    </ToggleButtonGroup>
  )
}

function UserMenu({ expanded }: { expanded: boolean }) {
  const { t } = useTranslation()
  const user = useAuthStore((s) => s.user)
  const signOut = useAuthStore((s) => s.signOut)
  const navigate = useNavigate()
  const [anchor, setAnchor] = useState<HTMLElement | null>(null)
  if (!user) return null
  const initials = (user.display_name || user.username).slice(0, 1).toUpperCase()
  return (
    <>
      <button
        type="button"
        onClick={(e) => setAnchor(e.currentTarget)}
        // Collapsed it shows only an initial, so it needs a name; expanded its own text (name, team) names it.
        aria-label={expanded ? undefined : user.display_name}
        aria-haspopup="menu"
        className={`flex items-center gap-3 rounded-full border-0 bg-transparent cursor-pointer hover:bg-[var(--a2g-raised)] ${expanded ? 'p-1.5 pr-3 w-full' : 'p-1 mx-auto'}`}
        style={{ color: 'var(--a2g-text)' }}
      >
        <Avatar aria-hidden sx={{ width: 34, height: 34, bgcolor: 'var(--a2g-accent)', color: 'var(--a2g-on-accent)', fontSize: 15 }}>{initials}</Avatar>
        {expanded && (
          <span className="flex flex-col items-start min-w-0 text-left">
            <span className="text-sm font-medium truncate max-w-[150px]">{user.display_name}</span>
            <span className="text-xs truncate max-w-[150px]" style={{ color: 'var(--a2g-muted)' }}>
              {user.team || user.role}
            </span>
          </span>
        )}
      </button>
      <Menu anchorEl={anchor} open={Boolean(anchor)} onClose={() => setAnchor(null)} anchorOrigin={{ vertical: 'top', horizontal: 'left' }} transformOrigin={{ vertical: 'bottom', horizontal: 'left' }}>
        <Box className="px-4 py-2">
          <Typography sx={{ fontWeight: 600 }}>{user.display_name}</Typography>
          <Typography variant="body2" color="text.secondary">
            {user.username} · {user.role}
          </Typography>
        </Box>
        <Divider />
        <MenuItem onClick={() => { setAnchor(null); navigate('/settings') }}>
          <ListItemIcon><SettingsRoundedIcon fontSize="small" /></ListItemIcon>
          {t('nav.settings')}
        </MenuItem>
        <MenuItem onClick={async () => { setAnchor(null); await signOut(); navigate('/signin') }}>
          <ListItemIcon><LogoutRoundedIcon fontSize="small" /></ListItemIcon>
          {t('nav.signOut')}
        </MenuItem>
      </Menu>
    </>
  )
}

/** Below MUI's `md` breakpoint (900 px) the rail is a drawer and pages go one column. */
export function useCompact(): boolean {
  const theme = useTheme()
  return useMediaQuery(theme.breakpoints.down('md'), { noSsr: true })
}

export function AppShell() {
  const { t } = useTranslation()
  const location = useLocation()
  const compact = useCompact()
  const [drawerOpen, setDrawerOpen] = useState(false)
  const user = useAuthStore((s) => s.user)
  const { mode, setMode, railExpanded: railPref, toggleRail: toggleRailPref, colorScheme, toggleColorScheme, language, setLanguage } = useUiStore()
  // The playground needs the width for sessions, chat and trace: there the rail starts collapsed and its
  // toggle does not change the preference used by the other pages.
  const inPlayground = /\/agents\//.test(location.pathname)
  const [playgroundRail, setPlaygroundRail] = useState(false)
  // In the drawer the rail is always shown whole; its toggle closes the drawer.
  const railExpanded = compact ? true : inPlayground ? playgroundRail : railPref
  const toggleRail = compact ? () => setDrawerOpen(false) : inPlayground ? () => setPlaygroundRail((x) => !x) : toggleRailPref

  // A tap on a link in the drawer navigates; the drawer then gets out of the way.
  useEffect(() => {
    setDrawerOpen(false)
  }, [location.pathname])

  useEffect(() => {
    const m = modeForPath(location.pathname)
    if (m && m !== mode) setMode(m)
  }, [location.pathname, mode, setMode])

  const main: NavItem[] =
    mode === 'development'
      ? [{ to: '/workspace', label: t('nav.workspace'), icon: <WidgetsRoundedIcon /> }]
      : [{ to: '/operation', label: t('nav.catalogue'), icon: <AutoAwesomeRoundedIcon /> }]
  const admin: NavItem[] =
    user?.role === 'ADMIN'
      ? [
          { to: '/admin/users', label: t('nav.users'), icon: <GroupRoundedIcon /> },
          { to: '/admin/llms', label: t('nav.llms'), icon: <MemoryRoundedIcon /> },
          { to: '/admin/stats', label: t('nav.statistics'), icon: <InsightsRoundedIcon /> },
          { to: '/admin/audit', label: t('nav.audit'), icon: <ReceiptLongRoundedIcon /> },
        ]
      : []

  const rail = (
    <Box
      component="nav"
      aria-label={t('nav.mainNav')}
      className="flex flex-col shrink-0 h-full py-3 gap-1 transition-[width] duration-200 overflow-y-auto"
      sx={{ width: railExpanded ? 264 : 76, bgcolor: 'var(--a2g-rail)', px: railExpanded ? 1.5 : 1 }}
    >
      <Box className={`flex items-center h-12 mb-2 ${railExpanded ? 'px-1 gap-1' : 'flex-col gap-2 h-auto'}`}>
        <Tooltip title={railExpanded ? t('nav.collapse') : t('nav.expand')} placement="right">
          <IconButton onClick={toggleRail} aria-label={railExpanded ? t('nav.collapse') : t('nav.expand')} aria-expanded={railExpanded}>
            <MenuRoundedIcon />
          </IconButton>
        </Tooltip>
        <NavLink to={mode === 'operation' ? '/operation' : '/workspace'} className="no-underline flex" aria-label={t('app.name')}>
          {railExpanded ? <Logo size={30} /> : <LogoMark size={30} />}
        </NavLink>
      </Box>
      <Box className="mb-3">
        <ModeSwitch expanded={railExpanded} />
      </Box>
      {main.map((item) => (
        <RailLink key={item.to} item={item} expanded={railExpanded} />
      ))}
      <RailLink item={{ to: '/settings', label: t('nav.settings'), icon: <SettingsRoundedIcon /> }} expanded={railExpanded} />
      {admin.length > 0 && (
        <>
          {railExpanded ? (
            <Typography variant="overline" color="text.secondary" className="px-4 pt-4 pb-1" sx={{ lineHeight: 1.5 }}>
              {t('nav.admin')}
            </Typography>
          ) : (
            <Divider sx={{ my: 1.5, mx: 1 }} />
          )}
          {admin.map((item) => (
            <RailLink key={item.to} item={item} expanded={railExpanded} />
          ))}
        </>
      )}
      <Box className="flex-1" />
      <Box className={`flex ${railExpanded ? 'flex-row px-2' : 'flex-col items-center'} gap-1`}>
        <Tooltip title={t('nav.theme')}>
          <IconButton aria-label={t('nav.theme')} onClick={toggleColorScheme} data-testid="theme-toggle">
            {colorScheme === 'dark' ? <LightModeRoundedIcon /> : <DarkModeRoundedIcon />}
          </IconButton>
        </Tooltip>
        <Tooltip title={`${t('nav.language')}: ${language === 'ko' ? 'English' : '한국어'}`}>
          <IconButton aria-label={t('nav.language')} onClick={() => setLanguage(language === 'ko' ? 'en' : 'ko')}>
            <TranslateRoundedIcon />
          </IconButton>
        </Tooltip>
      </Box>
      <Box className="mt-1">
        <UserMenu expanded={railExpanded} />
      </Box>
    </Box>
  )

  return (
    <Box className="flex h-full" sx={{ bgcolor: 'var(--a2g-page)' }} data-mode={mode}>
      {compact ? (
        <Drawer open={drawerOpen} onClose={() => setDrawerOpen(false)} slotProps={{ paper: { sx: { bgcolor: 'var(--a2g-rail)' } } }}>
          {rail}
        </Drawer>
      ) : rail}
      <Box className="flex flex-col flex-1 min-w-0 h-full">
        <Box
          component="header"
          data-testid="mode-bar"
          className="flex items-center gap-3 px-3 md:px-6 h-12 shrink-0"
          sx={{ bgcolor: 'var(--a2g-tint)', color: 'var(--a2g-on-tint)', borderBottom: '3px solid var(--a2g-mode)' }}
        >
          {compact && (
            <IconButton edge="start" onClick={() => setDrawerOpen(true)} aria-label={t('nav.expand')} aria-expanded={drawerOpen} data-testid="nav-drawer-open" sx={{ color: 'inherit' }}>
              <MenuRoundedIcon />
            </IconButton>
          )}
          {mode === 'development' ? <CodeRoundedIcon fontSize="small" /> : <StorefrontRoundedIcon fontSize="small" />}
          <Typography sx={{ fontWeight: 600, fontSize: '0.95rem' }} noWrap>
            {mode === 'development' ? t('mode.developmentMode') : t('mode.operationMode')}
          </Typography>
          <Box className="flex-1" />
          <Typography variant="body2" sx={{ opacity: 0.8 }} noWrap className="hidden sm:block">
            {t('app.name')}
          </Typography>
        </Box>
        <Box component="main" className="flex-1 min-h-0 overflow-auto a2g-scroll" id="main">
          <Suspense fallback={<LoadingState />}>
            <Outlet />
          </Suspense>
        </Box>
      </Box>
    </Box>
  )
}

/** A page's centred content column with a heading. */
export function Page({ title, subtitle, actions, children, wide = false }: { title: string; subtitle?: string; actions?: ReactNode; children: ReactNode; wide?: boolean }) {
  useEffect(() => {
    document.title = `${title} · A2G`
  }, [title])
  return (
    <Box className={`mx-auto w-full px-4 py-5 md:px-8 md:py-8 ${wide ? 'max-w-[1400px]' : 'max-w-[1120px]'}`}>
      <Box className="flex items-end justify-between gap-4 flex-wrap mb-7">
        <Box className="min-w-0">
          <Typography variant="h4" component="h1" sx={{ fontSize: { xs: '1.5rem', md: '1.9rem' }, overflowWrap: 'anywhere' }}>
            {title}
          </Typography>
          {subtitle && (
            <Typography color="text.secondary" className="mt-1.5 max-w-2xl">
              {subtitle}
            </Typography>
          )}
        </Box>
        {actions && <Box className="flex gap-2 items-center flex-wrap">{actions}</Box>}
      </Box>
      {children}
    </Box>
  )
}
