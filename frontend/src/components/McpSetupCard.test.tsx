import { describe, expect, it, vi } from 'vitest'
import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import { McpSetupCard, mcpSnippet, mcpUrl } from './McpSetupCard'

describe('McpSetupCard', () => {
  it('shows this platform’s /api/mcp URL and copies a config that names it with the bearer header', async () => {
    const writeText = vi.fn(async (_text: string) => undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    render(<MemoryRouter><McpSetupCard /></MemoryRouter>)
    const card = screen.getByTestId('mcp-setup')
    await userEvent.click(within(card).getByRole('button', { expanded: false }))
    const url = `${window.location.origin}/api/mcp`
    expect(within(card).getByText(url)).toBeInTheDocument()
    await userEvent.click(within(card).getByRole('button', { name: /copy the configuration/i }))
    const copied = JSON.parse(writeText.mock.calls[0][0])
    expect(copied.mcpServers.a2g.url).toBe(url)
    expect(copied.mcpServers.a2g.headers.Authorization).toMatch(/^Bearer /)
    expect(within(card).getByRole('link', { name: /settings/i })).toHaveAttribute('href', '/settings')
  })

  it('builds the URL from any origin', () => {
    expect(mcpUrl('https://a2g.example.com/')).toBe('https://a2g.example.com/api/mcp')
    expect(JSON.parse(mcpSnippet('https://x/api/mcp')).mcpServers.a2g.url).toBe('https://x/api/mcp')
  })
})
