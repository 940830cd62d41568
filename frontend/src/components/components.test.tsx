import { afterEach, describe, expect, it, vi } from 'vitest'
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router-dom'
import type { ReactNode } from 'react'
import { Markdown } from './chat/Markdown'
import { AgentDialog, formToInput, uiField } from './AgentDialog'
import { agentPayload } from '../api/endpoints'
import { AgentCard } from './AgentCard'
import { buildSnippets, logProxyBaseUrl } from '../lib/snippets'
import type { Agent } from '../api/types'

const wrap = (ui: ReactNode) => render(<MemoryRouter>{ui}</MemoryRouter>)
afterEach(() => vi.unstubAllGlobals())

const agent: Agent = { agent_id: 'a1', name: 'PDF Helper', description: 'Summarises PDFs', framework: 'agno', status: 'PUBLISHED', logo_url: '', color: '#8AB4F8', skills: ['pdf', 'summary'], trace_id: 'tr1' }

describe('Markdown', () => {
  it('renders tables, lists and quotes, and code with a copy button', async () => {
    const writeText = vi.fn(async () => undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    render(<Markdown text={'| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\n> quoted\n\n```python\nprint("hi")\n```'} />)
    expect(screen.getByRole('table')).toBeInTheDocument()
    expect(screen.getAllByRole('listitem')).toHaveLength(2)
    expect(screen.getByText('quoted').closest('blockquote')).not.toBeNull()
    const block = screen.getByTestId('code-block')
    expect(within(block).getByText('python')).toBeInTheDocument()
    await userEvent.click(within(block).getByRole('button', { name: /copy code/i }))
    expect(writeText).toHaveBeenCalledWith('print("hi")')
  })

  it('keeps inline code inline', () => {
    render(<Markdown text={'use `npm ci` first'} />)
    expect(screen.queryByTestId('code-block')).toBeNull()
    expect(screen.getByText('npm ci').tagName).toBe('CODE')
  })
})

describe('AgentCard', () => {
  it('shows title, description, framework, status, skills and the ranking reason', () => {
    wrap(<AgentCard agent={agent} to="/x" reason="Matches “pdf”" rank={1} />)
    expect(screen.getByText('PDF Helper')).toBeInTheDocument()
    expect(screen.getByText('Summarises PDFs')).toBeInTheDocument()
    expect(screen.getByText('Agno')).toBeInTheDocument()
    expect(screen.getByText('Published')).toBeInTheDocument()
    expect(screen.getByText('pdf')).toBeInTheDocument()
    expect(screen.getByTestId('rank-reason')).toHaveTextContent('Matches “pdf”')
  })
})

describe('AgentDialog', () => {
  it('sends only the chosen framework’s fields', () => {
    const input = formToInput({ name: 'n', description: '', framework: 'a2a', logo_url: '', color: '#8ab4f8', skills: ['pdf'], base_url: 'http://old', card_url: 'http://card', endpoint_url: 'http://e' })
    expect(input).toMatchObject({ framework: 'a2a', card_url: 'http://card' })
    expect(input).not.toHaveProperty('base_url')
    expect(input).not.toHaveProperty('endpoint_url')
    expect(agentPayload(input)).toEqual({ name: 'n', description: '', logo_url: null, color: '#8AB4F8', skills: [{ name: 'pdf' }], framework: 'A2A', endpoint: { base_url: 'http://card' } })
  })

  it('shows the API’s validation messages at the fields', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { code: 'validation_error', message: 'bad', fields: [{ field: 'endpoint.base_url', message: 'must be an http(s) URL' }] } }), { status: 400 })))
    const onSaved = vi.fn()
    wrap(<AgentDialog open agent={null} onClose={() => {}} onSaved={onSaved} />)
    fireEvent.mouseDown(screen.getByTestId('framework-select'))
    await userEvent.click(await screen.findByRole('option', { name: 'Custom' }))
    fireEvent.change(screen.getByLabelText(/endpoint url/i), { target: { value: 'ftp://nope' } })
    fireEvent.change(screen.getByRole('textbox', { name: /^title/i }), { target: { value: 'My agent' } })
    await userEvent.click(screen.getByRole('button', { name: 'Create' }))
    await waitFor(() => expect(screen.getByText(/^must be an http\(s\) URL$/i)).toBeInTheDocument())
    expect(onSaved).not.toHaveBeenCalled()
  })

  it('scans an Agno base URL and lets the user pick a team', async () => {
    const fetchMock = vi.fn(async (url: string) => {
      if (url === '/api/my-agents/scan') return new Response(JSON.stringify({ framework: 'AGNO', candidates: [{ kind: 'agent', id: 'writer', name: 'Writer' }, { kind: 'team', id: 'crew', name: 'Crew', description: 'A team' }] }), { status: 200 })
      // The API's AgentView (the generated schema's shape).
      return new Response(JSON.stringify({
        id: 'new', owner_id: 'me', name: 'Crew', description: '', logo_url: null, color: '#0EA5E9', skills: [], framework: 'AGNO',
        status: 'DEVELOPMENT', created_at: 'x', updated_at: 'x', last_used_at: null, version: 1, trace_id: 't', a2a_card: null,
        card_url: null, endpoint: { base_url: 'http://localhost:7777', agno_team_id: 'crew' },
      }), { status: 201 })
    })
    vi.stubGlobal('fetch', fetchMock)
    const onSaved = vi.fn()
    wrap(<AgentDialog open agent={null} onClose={() => {}} onSaved={onSaved} />)
    fireEvent.change(screen.getByLabelText(/base url/i), { target: { value: 'http://localhost:7777' } })
    await userEvent.click(screen.getByRole('button', { name: 'Scan' }))
    fireEvent.mouseDown(await screen.findByRole('combobox', { name: /agent or team/i }))
    await userEvent.click(await screen.findByRole('option', { name: /Crew/ }))
    await userEvent.click(screen.getByRole('button', { name: 'Create' }))
    await waitFor(() => expect(onSaved).toHaveBeenCalled())
    const body = JSON.parse((fetchMock.mock.calls.at(-1) as unknown as [string, RequestInit])[1].body as string)
    expect(body).toMatchObject({ framework: 'AGNO', name: 'Crew', endpoint: { base_url: 'http://localhost:7777', agno_team_id: 'crew' } })
    expect(body.endpoint).not.toHaveProperty('agno_agent_id')
  })
})

describe('uiField', () => {
  it('places server field names at the form field they came from', () => {
    expect(uiField('endpoint.base_url', 'custom')).toBe('endpoint_url')
    expect(uiField('endpoint.base_url', 'agno')).toBe('base_url')
    expect(uiField('endpoint.agno_team_id', 'agno')).toBe('target_id')
    expect(uiField('skills.0.name', 'agno')).toBe('skills')
    expect(uiField('color', 'agno')).toBe('color')
  })
})

describe('snippets', () => {
  it('put the trace base URL, key and model into every framework’s snippet', () => {
    const base = logProxyBaseUrl('http://127.0.0.1:3000/', 'tr 1')
    expect(base).toBe('http://127.0.0.1:3000/api/log-proxy/tr%201/v1')
    const all = buildSnippets({ baseUrl: base, apiKey: 'a2g_k', model: 'gpt-x' })
    expect(all.map((s) => s.id)).toEqual(['openai', 'openai-agents', 'anthropic', 'google-genai', 'adk', 'agno',
      'langchain', 'pydantic-ai', 'env'])
    const root = 'http://127.0.0.1:3000/api/log-proxy/tr%201'
    for (const s of all) {
      // Anthropic's and Google's SDKs add their own version path: they get the trace's base without /v1
      const own = ['anthropic', 'google-genai', 'adk'].includes(s.id) ? `"${root}"` : `"${base}"`
      expect(s.code).toContain(own)
      expect(s.code).toContain('a2g_k')
      expect(s.code).toContain('"gpt-x"')
      if (!['adk', 'env'].includes(s.id)) expect(s.code).toContain('X-Agent-Id')
    }
  })
})

describe('LoadingState', () => {
  it('is a named status in both shapes (an aria-label needs a role: axe aria-prohibited-attr)', async () => {
    const { LoadingState } = await import('./States')
    const { unmount } = render(<LoadingState rows={2} />)
    expect(screen.getByRole('status', { name: 'Loading…' })).toHaveAttribute('aria-busy', 'true')
    unmount()
    render(<LoadingState />)
    expect(screen.getByRole('status', { name: 'Loading…' })).toBeInTheDocument()
  })
})

describe('AgentCard for users', () => {
  it('shows who offers the agent in full, and no raw owner id when the owner is unknown', () => {
    const long = { ...agent, owner_id: 'usr_01hxyz' }
    const { unmount } = wrap(<AgentCard forUsers agent={long} to="/x" owner={{ name: 'Kim Ji-won', team: 'finance-operations-and-reporting' }} />)
    const line = screen.getByTestId('agent-owner')
    expect(line).toHaveTextContent('Offered by Kim Ji-won · finance-operations-and-reporting')
    expect(line.className).not.toContain('truncate')
    unmount()
    wrap(<AgentCard forUsers agent={long} to="/x" />)
    expect(screen.queryByTestId('agent-owner')).toBeNull()
    expect(screen.queryByText(/usr_01hxyz/)).toBeNull()
  })
})
