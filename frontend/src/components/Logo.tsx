/** The A2G mark: a four-point spark (agents) on a red→violet→blue gradient (the two modes meeting). */
import { useId } from 'react'

export function LogoMark({ size = 32, title = 'A2G' }: { size?: number; title?: string }) {
  const gid = useId()
  return (
    <svg width={size} height={size} viewBox="0 0 64 64" role="img" aria-label={title}>
      <defs>
        <linearGradient id={gid} x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#F28B82" />
          <stop offset="0.5" stopColor="#C58AF9" />
          <stop offset="1" stopColor="#8AB4F8" />
        </linearGradient>
      </defs>
      <rect x="2" y="2" width="60" height="60" rx="18" fill={`url(#${gid})`} />
      <path d="M32 12 C33.6 24 40 30.4 52 32 C40 33.6 33.6 40 32 52 C30.4 40 24 33.6 12 32 C24 30.4 30.4 24 32 12 Z" fill="#fff" opacity="0.95" />
      <circle cx="32" cy="32" r="4.2" fill={`url(#${gid})`} />
    </svg>
  )
}

export function Logo({ size = 32, withText = true }: { size?: number; withText?: boolean }) {
  return (
    <span className="inline-flex items-center gap-2.5 select-none">
      <LogoMark size={size} />
      {withText && (
        <span className="text-[1.15rem] font-semibold tracking-tight" style={{ color: 'var(--a2g-text)' }}>
          A2G
        </span>
      )}
    </span>
  )
}
