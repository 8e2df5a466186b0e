/**
 * GET /: the boot service's one page. Pick a network id, get the image links, the iPXE URL to paste into a
 * bare-metal provider and a one-line QEMU command. Server-rendered, no script (the CSP forbids it).
 */
import type { NetworkId } from '../../../common/validate.ts';
import type { BootLinkSet } from '../../../common/boot-url.ts';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface IndexPageInput {
  version: string;
  networkId: NetworkId | null | undefined;
  error?: string | undefined;
  kernel: string | null;
  /** The links for networkId, each with where it works (boot-links.ts); undefined when no id was asked for. */
  links?: BootLinkSet | undefined;
}

export const INDEX_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function renderIndexPage(input: IndexPageInput): string {
  const id = input.networkId;
  const links =
    id === undefined || !input.links
      ? ''
      : `
<h2>Network ${escape(id ?? '0')}</h2>
<dl>
${input.links.links
  .map((link) => {
    const value = link.key === 'qemu' || link.key.startsWith('ipxe') ? `<code>${escape(link.value)}</code>` : `<a href="${escape(link.value)}">${escape(link.value)}</a>`;
    return `  <dt>${escape(link.label)} <span class="where">— works on: ${escape(link.where)}</span></dt><dd>${value}<br><small>${escape(link.help)}</small></dd>`;
  })
  .join('\n')}
</dl>
${input.links.notes.map((n) => `<p class="note">${escape(n)}</p>`).join('\n')}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>g8boot boot service</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
  code { word-break: break-all; }
  dt { font-weight: 600; margin-top: .75rem; }
  .error { color: #c62828; }
  .where { font-weight: 400; font-style: italic; }
  .note { opacity: .8; }
  input { font: inherit; width: 18ch; }
</style></head>
<body>
<h1>g8boot boot service</h1>
<p>Boot G8OS nodes into a ZeroTier network: iPXE scripts, ISO/USB images and kernels per network id.
Kernel: ${input.kernel ? `<code>${escape(input.kernel)}</code>` : '<strong>none yet</strong> (add one with <code>g8boot kernel add &lt;file|url&gt;</code>)'}.</p>
<form method="get" action="/">
  <label>ZeroTier network id <input name="netid" pattern="[0-9a-fA-F]{16}|0|null" required placeholder="16 hex digits"
    value="${escape(id ?? (id === null ? '0' : ''))}"></label>
  <button type="submit">Get boot links</button>
</form>
${input.error ? `<p class="error">${escape(input.error)}</p>` : ''}
${links}
<p><small>g8boot ${escape(input.version)} · <a href="/api/status">status</a></small></p>
</body></html>
`;
}
