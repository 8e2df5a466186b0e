/**
 * Nodes out of g8boot: JSON (the records as they are), CSV (a row per node, for spreadsheets), and an AYS
 * blueprint as the original orchestrator consumed it (FIELD-NOTES §3): `node.g8os__<nodeId>:` with `redisAddr`
 * and `redisPort`, one service per node that has an address.
 */
import { isIPv4 } from 'node:net';
import type { ExportFormat, NodeRecord } from '../../common/nodes.ts';
import { probeAddress } from './probe.ts';

const CSV_COLUMNS: readonly [string, (node: NodeRecord) => string | number | boolean | null][] = [
  ['nodeId', (n) => n.nodeId],
  ['name', (n) => n.name],
  ['description', (n) => n.description],
  ['authorized', (n) => n.authorized],
  ['online', (n) => n.online],
  ['ip', (n) => n.ip],
  ['ips', (n) => n.ips.join(' ')],
  ['state', (n) => n.state],
  ['probe', (n) => n.probe?.state ?? null],
  ['tls', (n) => n.probe?.tls ?? null],
  ['latencyMs', (n) => n.probe?.latencyMs ?? null],
  ['core0Version', (n) => n.probe?.core0Version ?? null],
  ['physicalAddress', (n) => n.physicalAddress],
  ['clientVersion', (n) => n.clientVersion],
  ['firstSeen', (n) => new Date(n.firstSeen).toISOString()],
  ['lastSeen', (n) => (n.lastSeen === null ? null : new Date(n.lastSeen).toISOString())],
];

/**
 * RFC 4180 quoting. Names and descriptions come from whoever can edit the network: a cell a spreadsheet would
 * run as a formula (=, +, -, @, tab, CR first) is prefixed with an apostrophe (OWASP's advice for CSV injection).
 */
function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A YAML scalar: an IPv4 address as is (what the original blueprints held), anything else JSON-quoted (valid YAML). */
function yamlScalar(value: string): string {
  return isIPv4(value) ? value : JSON.stringify(value);
}

function blueprint(nodes: readonly NodeRecord[]): string {
  const services = nodes.flatMap((node) => {
    const address = probeAddress(node);
    if (!node.authorized || node.thisComputer || address === null) return [];
    return [`node.g8os__${node.nodeId}:\n  redisAddr: ${yamlScalar(address)}\n  redisPort: ${node.probe?.port ?? 6379}\n`];
  });
  return services.join('\n');
}

export function exportNodes(nodes: readonly NodeRecord[], format: ExportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(nodes, null, 2)}\n`;
    case 'csv':
      return [CSV_COLUMNS.map(([name]) => name), ...nodes.map((node) => CSV_COLUMNS.map(([, get]) => csvCell(get(node))))]
        .map((row) => `${row.join(',')}\r\n`)
        .join('');
    case 'blueprint':
      return blueprint(nodes);
  }
}
