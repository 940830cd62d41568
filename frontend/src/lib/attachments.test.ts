import { describe, expect, it } from 'vitest'
import { parseCsv, previewKind } from './attachments'

const a = (content_type: string, filename: string) => ({ content_type, filename })

describe('attachment previews', () => {
  it('previews images, video, PDF, Markdown, CSV and text; everything else downloads', () => {
    expect(previewKind(a('image/png', 'x.png'))).toBe('image')
    expect(previewKind(a('video/mp4', 'x.mp4'))).toBe('video')
    expect(previewKind(a('application/pdf', 'x.pdf'))).toBe('pdf')
    expect(previewKind(a('text/markdown', 'notes.md'))).toBe('markdown')
    expect(previewKind(a('application/octet-stream', 'README.md'))).toBe('markdown')
    expect(previewKind(a('text/csv', 'x.csv'))).toBe('csv')
    expect(previewKind(a('text/plain; charset=utf-8', 'x.txt'))).toBe('text')
    expect(previewKind(a('application/json', 'x.json'))).toBe('text')
    expect(previewKind(a('application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'x.docx'))).toBeNull()
    expect(previewKind(a('image/svg+xml', 'x.svg'))).toBeNull()
  })

  it('reads CSV with quotes, commas and new lines inside fields', () => {
    const { rows, more } = parseCsv('name,note\r\n"Kim, J","said ""hi""\nthen left"\n이,한글\n')
    expect(rows).toEqual([['name', 'note'], ['Kim, J', 'said "hi"\nthen left'], ['이', '한글']])
    expect(more).toBe(false)
  })

  it('stops at the row limit and says there is more', () => {
    const text = Array.from({ length: 10 }, (_, i) => `${i},x`).join('\n')
    const { rows, more } = parseCsv(text, 3)
    expect(rows).toHaveLength(3)
    expect(more).toBe(true)
    expect(parseCsv('a,b').rows).toEqual([['a', 'b']])
  })
})
