/**
 * GET /: the boot service's one page. Pick a network id, get the image links, the iPXE URL to paste into a
 * bare-metal provider and a one-line QEMU command. Server-rendered, no script (the CSP forbids it).
 */
import type { NetworkId } from '../../../common/validate.ts';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface IndexPageInput {
  base: string;
  version: string;
  networkId: NetworkId | null | undefined;
  error?: string | undefined;
  kernel: string | null;
}

export const INDEX_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function renderIndexPage(input: IndexPageInput): string {
  const id = input.networkId;
  const links =
    id === undefined
      ? ''
      : (() => {
          const nid = id ?? '0';
          const iso = `${input.base}/iso/${nid}`;
          const ipxe = `${input.base}/g8os.ipxe?netid=${nid}`;
          const qemu = `curl -fo g8os-${nid}.iso ${iso} && qemu-system-x86_64 -m 2048 -smp 2 -cdrom g8os-${nid}.iso -boot d -nic user,model=virtio-net-pci`;
          return `
<h2>Network ${escape(nid)}</h2>
<dl>
  <dt>ISO (CD, virtual machines)</dt><dd><a href="${escape(iso)}">${escape(iso)}</a></dd>
  <dt>USB stick image (same bytes; write with dd or Etcher)</dt><dd><a href="${escape(`${input.base}/usb/${nid}`)}">${escape(`${input.base}/usb/${nid}`)}</a></dd>
  <dt>EFI System Partition only (UEFI HTTP boot, FAT sticks)</dt><dd><a href="${escape(`${input.base}/efi/${nid}`)}">${escape(`${input.base}/efi/${nid}`)}</a></dd>
  <dt>iPXE script URL (bare-metal providers' "custom iPXE URL")</dt><dd><code>${escape(ipxe)}</code></dd>
  <dt>Try it in QEMU</dt><dd><code>${escape(qemu)}</code></dd>
</dl>`;
        })();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>g8boot boot service</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
  code { word-break: break-all; }
  dt { font-weight: 600; margin-top: .75rem; }
  .error { color: #c62828; }
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
