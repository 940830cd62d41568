/**
 * Every translation key the code names literally (`t('playground.sessionDeleted')`) exists, so no screen
 * shows a raw key. Korean has the same keys as English by its type (`Messages`); plural keys count when
 * their `_one`/`_other` forms exist. Keys built at run time (`t(\`admin.group.${g}\`)`) are not checked here.
 */
import { describe, expect, it } from 'vitest'
import en from './en'
import ko from './ko'

const sources = import.meta.glob(['../**/*.{ts,tsx}', '!../**/*.test.{ts,tsx}'], { query: '?raw', import: 'default', eager: true }) as Record<string, string>

function lookup(messages: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), messages)
}

function has(messages: unknown, key: string): boolean {
  return typeof lookup(messages, key) === 'string' || typeof lookup(messages, `${key}_other`) === 'string'
}

describe('translation keys', () => {
  const used = new Map<string, string>()
  for (const [file, text] of Object.entries(sources)) {
    for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z][\w]*(?:\.[\w]+)+)'/g)) used.set(m[1], file)
  }

  it('finds the keys in the code', () => {
    expect(used.size).toBeGreaterThan(100)
  })

  it('has every literal key in English and Korean', () => {
    const missing = [...used].filter(([key]) => !has(en, key) || !has(ko, key)).map(([key, file]) => `${key} (${file})`)
    expect(missing).toEqual([])
  })
})
