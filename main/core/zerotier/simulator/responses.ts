/**
 * The simulator's answer bodies: each starts from its template in fixtures.ts (ZeroTier's documents) and
 * overrides only what the population decides, so the field set stays the documented / real one.
 */
import { createHash } from 'node:crypto';
import { numberToIpv4 } from '../ipv4.ts';
import { isOnline } from '../online.ts';
import {
  CENTRAL_MEMBER_EXAMPLE,
  CENTRAL_NETWORK_EXAMPLE,
  CONTROLLER_MEMBER_SAMPLE,
  CONTROLLER_NETWORK_SAMPLE,
  CONTROLLER_STATUS_SAMPLE,
  LOCAL_HEALTH_SAMPLE,
  LOCAL_NETWORK_SAMPLE,
  LOCAL_PEER_SAMPLE,
  LOCAL_STATUS_SAMPLE,
} from './fixtures.ts';
import type { LocalNetworkState, Population, SimMember, SimNetwork, SimNode } from './population.ts';

/** ZeroTier's protocol version in 1.14.x. */
const PROTOCOL_VERSION = 12;

function versionParts(version: string): [number, number, number] {
  const [major = 0, minor = 0, rev = 0] = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  return [major, minor, rev];
}

function digest(text: string): string {
  return createHash('sha512').update(text).digest('hex');
}

/** Same shape as a real identity: `<address>:0:<public key>` (the key is made up but stable per node). */
function identityOf(nodeId: string): string {
  return `${nodeId}:0:${digest(nodeId)}`;
}

function poolOf(network: SimNetwork) {
  return { ipRangeStart: numberToIpv4(network.poolStart), ipRangeEnd: numberToIpv4(network.poolEnd) };
}

export function centralNetwork(population: Population, network: SimNetwork) {
  const members = population.members(network.id);
  const clock = population.now();
  const template = CENTRAL_NETWORK_EXAMPLE;
  return {
    ...template,
    id: network.id,
    clock,
    config: {
      ...template.config,
      id: network.id,
      creationTime: network.creationTime,
      dns: { domain: '', servers: [] },
      ipAssignmentPools: [poolOf(network)],
      lastModified: network.creationTime,
      name: network.name,
      private: network.private,
      routes: [{ target: network.subnet, via: null }],
      ssoConfig: { ...template.config.ssoConfig, enabled: false },
      v4AssignMode: { zt: true },
      v6AssignMode: { '6plane': network.sixPlane, rfc4193: network.rfc4193, zt: false },
    },
    description: network.description,
    onlineMemberCount: members.filter((m) => isOnline(population.lastSeen(m.nodeId), clock)).length,
    authorizedMemberCount: members.filter((m) => m.authorized).length,
    totalMemberCount: members.length,
  };
}

export function centralMember(population: Population, network: SimNetwork, member: SimMember) {
  const node = population.node(member.nodeId);
  const seen = node?.seen === true;
  const lastSeen = population.lastSeen(member.nodeId);
  const [major, minor, rev] = seen && node ? versionParts(node.clientVersion) : [-1, -1, -1];
  const template = CENTRAL_MEMBER_EXAMPLE;
  return {
    ...template,
    id: `${network.id}-${member.nodeId}`,
    clock: population.now(),
    networkId: network.id,
    nodeId: member.nodeId,
    controllerId: network.id.slice(0, 10),
    hidden: member.hidden,
    name: member.name,
    description: member.description,
    config: {
      ...template.config,
      authorized: member.authorized,
      creationTime: member.creationTime,
      id: member.nodeId,
      identity: identityOf(member.nodeId),
      ipAssignments: member.ipAssignments,
      lastAuthorizedTime: member.lastAuthorizedTime,
      lastDeauthorizedTime: member.lastDeauthorizedTime,
      revision: member.revision,
      tags: [],
      vMajor: major,
      vMinor: minor,
      vRev: rev,
      vProto: seen ? PROTOCOL_VERSION : -1,
    },
    // Central reports 0 for "never" (the documents: "may be reset to 0 at any time").
    lastOnline: lastSeen ?? 0,
    lastSeen: lastSeen ?? 0,
    physicalAddress: seen ? (node?.physicalAddress ?? null) : null,
    clientVersion: seen ? (node?.clientVersion ?? null) : null,
    protocolVersion: seen ? PROTOCOL_VERSION : null,
  };
}

export function controllerStatus(population: Population) {
  return { ...CONTROLLER_STATUS_SAMPLE, clock: population.now() };
}

export function controllerNetwork(network: SimNetwork, members?: readonly SimMember[]) {
  return {
    ...CONTROLLER_NETWORK_SAMPLE,
    creationTime: network.creationTime,
    id: network.id,
    ipAssignmentPools: [poolOf(network)],
    name: network.name,
    nwid: network.id,
    private: network.private,
    revision: network.revision,
    routes: [{ target: network.subnet, via: null }],
    v6AssignMode: { '6plane': network.sixPlane, rfc4193: network.rfc4193, zt: false },
    // Only in /unstable/controller/network (1.14+).
    ...(members ? { meta: { authorizedMemberCount: members.filter((m) => m.authorized).length, totalMemberCount: members.length } } : {}),
  };
}

export function controllerMember(population: Population, network: SimNetwork, member: SimMember) {
  const node = population.node(member.nodeId);
  // The controller learns a member's version from its config request, which it answers only once authorized.
  const [major, minor, rev] = member.configured && node ? versionParts(node.clientVersion) : [-1, -1, -1];
  return {
    ...CONTROLLER_MEMBER_SAMPLE,
    address: member.nodeId,
    authorized: member.authorized,
    creationTime: member.creationTime,
    id: member.nodeId,
    identity: identityOf(member.nodeId),
    ipAssignments: member.ipAssignments,
    lastAuthorizedCredentialType: member.lastAuthorizedTime ? 'api' : null,
    lastAuthorizedTime: member.lastAuthorizedTime,
    lastDeauthorizedTime: member.lastDeauthorizedTime,
    nwid: network.id,
    revision: member.revision,
    vMajor: major,
    vMinor: minor,
    vProto: member.configured ? PROTOCOL_VERSION : -1,
    vRev: rev,
    // The 1.14.1 samples have no `name` (none was set); the schema has it, and the controller keeps one once set.
    ...(member.name ? { name: member.name } : {}),
  };
}

export function localStatus(population: Population, version: string) {
  const [major, minor, rev] = versionParts(version);
  return {
    ...LOCAL_STATUS_SAMPLE,
    address: population.localNodeId,
    clock: population.now(),
    publicIdentity: identityOf(population.localNodeId),
    version,
    versionMajor: major,
    versionMinor: minor,
    versionRev: rev,
  };
}

export function localHealth(population: Population, version: string) {
  const [major, minor, rev] = versionParts(version);
  return { ...LOCAL_HEALTH_SAMPLE, clock: population.now(), version, versionMajor: major, versionMinor: minor, versionRev: rev };
}

export function localNetwork(population: Population, networkId: string, state: LocalNetworkState) {
  const ok = state.status === 'OK';
  const hash = digest(`${networkId}${population.localNodeId}`);
  return {
    ...LOCAL_NETWORK_SAMPLE,
    assignedAddresses: state.assignedAddresses,
    broadcastEnabled: ok,
    id: networkId,
    mac: `b6:${hash.slice(0, 10).replace(/(..)(?!$)/g, '$1:')}`,
    multicastSubscriptions: ok ? LOCAL_NETWORK_SAMPLE.multicastSubscriptions : [],
    name: state.name,
    netconfRevision: ok && state.network ? state.network.revision : 0,
    nwid: networkId,
    portDeviceName: `zt${Number.parseInt(hash.slice(0, 12), 16).toString(36).slice(0, 8)}`,
    portError: state.status === 'PORT_ERROR' ? -1 : 0,
    routes: ok && state.network ? [{ flags: 0, metric: 0, target: state.network.subnet, via: null }] : [],
    status: state.status,
    type: state.network?.private === false ? 'PUBLIC' : 'PRIVATE',
  };
}

export function localPeer(population: Population, node: SimNode) {
  const [major, minor, rev] = versionParts(node.clientVersion);
  const lastSeen = population.lastSeen(node.nodeId) ?? 0;
  const [path] = LOCAL_PEER_SAMPLE.paths;
  return {
    ...LOCAL_PEER_SAMPLE,
    address: node.nodeId,
    paths: [{ ...path, address: `${node.physicalAddress ?? '198.18.77.2'}/9993`, lastReceive: lastSeen, lastSend: lastSeen }],
    version: node.clientVersion,
    versionMajor: major,
    versionMinor: minor,
    versionRev: rev,
  };
}
