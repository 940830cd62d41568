/** Chat markdown: GitHub-flavoured (tables, task lists, strikethrough), code blocks highlighted with copy. */
import ReactMarkdown, { type Components } from 'react-markdown'
import remarkGfm from 'remark-gfm'
import { CodeBlock } from './CodeBlock'

const components: Components = {
  code({ className, children }) {
    const text = String(children ?? '')
    const match = /language-([\w+-]+)/.exec(className ?? '')
    // Fenced blocks carry a language class or span lines; anything else is inline code.
    if (match || text.includes('\n')) return <CodeBlock code={text.replace(/\n$/, '')} language={match?.[1]} />
    return <code className={className}>{children}</code>
  },
  pre({ children }) {
    return <>{children}</>
  },
  a({ href, children }) {
    return (
      <a href={href} target="_blank" rel="noopener noreferrer">
        {children}
      </a>
    )
  },
}

export function Markdown({ text }: { text: string }) {
  return (
    <div className="a2g-md">
      <ReactMarkdown remarkPlugins={[remarkGfm]} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  )
}
