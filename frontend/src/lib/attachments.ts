/** What the chat can show of an attached file without a download, and a small CSV reader for the preview. */
import type { Attachment } from '../api/types'

export type PreviewKind = 'image' | 'video' | 'pdf' | 'markdown' | 'csv' | 'text'

/** The most a text preview reads; a longer file shows its start and says it was cut. */
export const MAX_TEXT_PREVIEW_BYTES = 512 * 1024
export const MAX_CSV_ROWS = 200

const extension = (name: string) => (/\.([a-z0-9]+)$/i.exec(name)?.[1] ?? '').toLowerCase()

/** How the file is previewed, or null when it can only be downloaded (Office files, archives, ...). */
export function previewKind(a: Pick<Attachment, 'content_type' | 'filename'>): PreviewKind | null {
  const type = (a.content_type || '').toLowerCase().split(';')[0].trim()
  const ext = extension(a.filename || '')
  if (type === 'image/svg+xml') return null // may carry script; downloaded, never inlined
  if (type.startsWith('image/')) return 'image'
  if (type.startsWith('video/')) return 'video'
  if (type === 'application/pdf' || ext === 'pdf') return 'pdf'
  if (type === 'text/markdown' || type === 'text/x-markdown' || ext === 'md' || ext === 'markdown') return 'markdown'
  if (type === 'text/csv' || ext === 'csv') return 'csv'
  if (type === 'text/plain' || type === 'application/json' || ['txt', 'log', 'json', 'yaml', 'yml'].includes(ext)) return 'text'
  return null
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF), at most `maxRows` rows. */
export function parseCsv(text: string, maxRows = MAX_CSV_ROWS): { rows: string[][]; more: boolean } {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  let i = 0
  const endRow = () => {
    row.push(field)
    rows.push(row)
    row = []
    field = ''
  }
  while (i < text.length) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i += 2
        continue
      }
      if (c === '"') quoted = false
      else field += c
      i += 1
      continue
    }
    if (c === '"' && field === '') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1
      endRow()
      if (rows.length > maxRows) return { rows: rows.slice(0, maxRows), more: true }
    } else field += c
    i += 1
  }
  if (field !== '' || row.length) endRow()
  return { rows: rows.slice(0, maxRows), more: rows.length > maxRows }
}
