/**
 * Ranking reasons, worded in the user's language. The API answers codes with parameters
 * (`a2g.ranking.reasons`); each code has an `operation.reasons.<code>` string in en.ts and ko.ts.
 */
import type { TFunction } from 'i18next'
import type { RankReason } from '../api/types'

export const REASON_CODES = [
  'matches_skills',
  'matches_words',
  'close_in_meaning',
  'weak_match',
  'you_use_often',
  'you_used_recently',
  'used_with',
  'similar_to',
  'popular_in_team',
  'popular',
  'in_catalogue',
] as const

function listParam(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(', ') : String(value ?? '')
}

/** One reason as a sentence; an unknown code (a newer server) says nothing rather than something wrong. */
export function reasonText(t: TFunction, reason: RankReason): string {
  if (!(REASON_CODES as readonly string[]).includes(reason.code)) return ''
  const p = reason.params
  return t(`operation.reasons.${reason.code}`, {
    skills: listParam(p.skills),
    words: listParam(p.words),
    agent: String(p.agent_name ?? ''),
    uses: typeof p.uses === 'number' ? p.uses : 0,
  })
}

/** The quiet line under a card: the reasons joined, "in the catalogue" left out when there is more. */
export function reasonsLine(t: TFunction, reasons: RankReason[], fallback = ''): string {
  const shown = reasons.filter((r, i) => !(r.code === 'in_catalogue' && i > 0))
  const words = shown.map((r) => reasonText(t, r)).filter(Boolean)
  return words.length ? words.join(' · ') : fallback
}
