/** Export formats: the records as JSON, a spreadsheet-safe CSV, and the AYS blueprint the orchestrator read. */
import { describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { NodeRecord } from '../../main/common/nodes.ts';
import { exportNodes } from '../../main/core/nodes/export.ts';
import { membershipFinding } from '../../main/core/nodes/probe.ts';
import { nextRecord } from '../../main/core/nodes/records.ts';
import type { Member } from '../../main/core/zerotier/types.ts';
import { member, readyProbe } from './fixtures.ts';

const AT = 1_700_000_000_000;
const id = (value: string) => value as Member['nodeId'];

const nodes: NodeRecord[] = [
  nextRecord(undefined, member(), readyProbe(AT, { port: 6380 }), AT),
  nextRecord(undefined, member({ nodeId: id('aaaaaaaaaa'), name: '=HYPERLINK("http://x")', description: 'a, "quoted"\nline', ips: ['fd56:1234::1'] }), readyProbe(AT, { address: 'fd56:1234::1', tls: false }), AT),
  nextRecord(undefined, member({ nodeId: id('bbbbbbbbbb'), authorized: false, ips: [] }), membershipFinding({ authorized: false, ips: [] }, { now: () => AT }), AT),
];

describe('exportNodes', () => {
  test('json: the records, whole', () => {
    expect(JSON.parse(exportNodes(nodes, 'json'))).toEqual(nodes);
  });

  test('csv: a header and a row per node, quoted per RFC 4180, formulas defused', () => {
    const text = exportNodes(nodes, 'csv');
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('nodeId,name,description,authorized,online,ip,ips,state,probe,tls,latencyMs,core0Version,physicalAddress,clientVersion,firstSeen,lastSeen');
    expect(lines[1]).toBe('89e92ceee5,node-1,,true,true,10.147.17.5,10.147.17.5,ready,ready,true,1.5,,203.0.113.9,1.14.1,2023-11-14T22:13:20.000Z,2023-11-14T22:13:20.000Z');
    expect(text).toContain(`aaaaaaaaaa,"'=HYPERLINK(""http://x"")","a, ""quoted""\nline",true,true,,fd56:1234::1,ready,ready,false`);
    expect(text).toContain('bbbbbbbbbb,node-1,,false,true,,,waiting,pending,,,');
    expect(text.endsWith('\r\n')).toBe(true);
  });

  test('blueprint: node.g8os__<nodeId> with redisAddr and redisPort, for authorized nodes with an address', () => {
    const text = exportNodes(nodes, 'blueprint');
    expect(text).toContain('node.g8os__89e92ceee5:\n  redisAddr: 10.147.17.5\n  redisPort: 6380\n');
    expect(parseYaml(text)).toEqual({
      'node.g8os__89e92ceee5': { redisAddr: '10.147.17.5', redisPort: 6380 },
      'node.g8os__aaaaaaaaaa': { redisAddr: 'fd56:1234::1', redisPort: 6379 },
    });
  });
});
