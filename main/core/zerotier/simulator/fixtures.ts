/**
 * The simulator's templates, copied from ZeroTier's own documents (test/fixtures/zerotier-specs, from ../shared/specs/zerotier in the workspace):
 * Central objects from the `example` values of central-v1.openapi.json, local-service and controller objects
 * from the real zerotier-one 1.14.1 answers in samples-zerotier-one-1.14.1/. The simulator answers with these
 * shapes and overrides only the values its population decides, so its answers keep the real field set.
 * test/zerotier/fixtures.test.ts fails when a template here drifts from its document.
 *
 * Embedded rather than read at run time: demo mode runs from the bundled CLI and the app, without the documents.
 */

/** central-v1.openapi.json, components.schemas.Network: every property's `example`. */
export const CENTRAL_NETWORK_EXAMPLE = {
  id: '8056c2e21c000001',
  clock: 12345,
  config: {
    id: '8056c2e21c000001',
    creationTime: 1442292672978,
    dns: { domain: 'some.domain', servers: ['10.0.0.3'] },
    enableBroadcast: true,
    ipAssignmentPools: [{ ipRangeStart: '10.0.0.1', ipRangeEnd: '10.0.0.255' }],
    lastModified: 1588184318235,
    mtu: 2800,
    multicastLimit: 32,
    name: 'My ZeroTier Network',
    private: true,
    routes: [{ target: '10.0.0.0/24' }],
    ssoConfig: {
      enabled: true,
      mode: 'default',
      clientId: 'some-client-id',
      issuer: 'https://example.com/oidc',
      provider: 'keycloak',
    },
    v4AssignMode: { zt: true },
    v6AssignMode: { '6plane': true, rfc4193: false, zt: false },
  },
  description: 'Some descriptive text about my network.',
  rulesSource: 'accept;',
  permissions: { '00000000-0000-0000-0000-000000000000': { a: true, d: true, m: true, r: true } },
  ownerId: '00000000-0000-0000-0000-000000000000',
  onlineMemberCount: 123,
  authorizedMemberCount: 200,
  totalMemberCount: 250,
};

/**
 * central-v1.openapi.json, components.schemas.Member: every property's `example`. Note the document's own
 * quirk: `nodeId` and `config.id` are 11 hex digits in the example ("abcdef01234"), one more than a node id has;
 * the simulator always overrides them with real 10-digit ids.
 */
export const CENTRAL_MEMBER_EXAMPLE = {
  id: '8056c2e21c000001-abcdef0123',
  clock: 1612993759070,
  networkId: '8056c2e21c000001',
  nodeId: 'abcdef01234',
  controllerId: '8056c2e21c',
  hidden: false,
  name: 'my-cray-supercomputer',
  description: 'My super awesome cray that I got ZeroTier to run on',
  config: {
    activeBridge: false,
    authorized: true,
    creationTime: 1599853509872,
    id: 'abcdef01234',
    identity: 'abcdef0123:0:abcdef0123abcdef0123abcdef0123abcdef0123abcdef0123abcdef0123abcdef0123',
    ipAssignments: ['10.0.0.3'],
    lastAuthorizedTime: 1599853637989,
    lastDeauthorizedTime: 0,
    noAutoAssignIps: false,
    revision: 123,
    ssoExempt: false,
    tags: [[123, 456]],
    vMajor: 1,
    vMinor: 6,
    vRev: 3,
    vProto: 12,
  },
  lastOnline: 1612993673254,
  lastSeen: 1612993673254,
  physicalAddress: '8.8.8.8',
  clientVersion: '1.6.3',
  protocolVersion: 12,
};

/** samples-zerotier-one-1.14.1/controller-GET-controller.json */
export const CONTROLLER_STATUS_SAMPLE = { controller: true, apiVersion: 4, clock: 1795666749198, databaseReady: true };

/** samples-zerotier-one-1.14.1/controller-GET-network-id.json */
export const CONTROLLER_NETWORK_SAMPLE = {
  authTokens: [null],
  authorizationEndpoint: '',
  capabilities: [],
  clientId: '',
  creationTime: 1795666440956,
  dns: [],
  enableBroadcast: true,
  id: 'd569b5a47421c8b7',
  ipAssignmentPools: [{ ipRangeEnd: '10.147.17.254', ipRangeStart: '10.147.17.1' }],
  mtu: 2800,
  multicastLimit: 32,
  name: 'test',
  nwid: 'd569b5a47421c8b7',
  objtype: 'network',
  private: true,
  remoteTraceLevel: 0,
  remoteTraceTarget: null,
  revision: 1,
  routes: [{ target: '10.147.17.0/24', via: null }],
  rules: [{ not: false, or: false, type: 'ACTION_ACCEPT' }],
  rulesSource: '',
  ssoEnabled: false,
  tags: [],
  v4AssignMode: { zt: true },
  v6AssignMode: { '6plane': false, rfc4193: false, zt: false },
};

/** samples-zerotier-one-1.14.1/controller-GET-member-authorized.json */
export const CONTROLLER_MEMBER_SAMPLE = {
  activeBridge: false,
  address: '867dd449f4',
  authenticationExpiryTime: 0,
  authorized: true,
  capabilities: [],
  creationTime: 1795666505881,
  id: '867dd449f4',
  identity:
    '867dd449f4:0:3f4a3ea2f4a23c92ab8a87f40f5e60581933f956e50ccb9c28633a7c0abfb35167a7f5ae99f3b9f16be2be4be3211c4557e41e14f16401342c971c326e455380',
  ipAssignments: ['10.147.17.181'],
  lastAuthorizedCredential: null,
  lastAuthorizedCredentialType: 'api',
  lastAuthorizedTime: 1795666510691,
  lastDeauthorizedTime: 0,
  noAutoAssignIps: false,
  nwid: 'd569b5a47421c8b7',
  objtype: 'member',
  remoteTraceLevel: 0,
  remoteTraceTarget: null,
  revision: 3,
  ssoExempt: false,
  tags: [],
  vMajor: 1,
  vMinor: 14,
  vProto: 12,
  vRev: 1,
};

/** samples-zerotier-one-1.14.1/local-GET-status.json */
export const LOCAL_STATUS_SAMPLE = {
  address: 'd569b5a474',
  clock: 1795666749142,
  config: {
    settings: {
      allowSecondaryPort: false,
      allowTcpFallbackRelay: false,
      bind: ['198.18.77.1'],
      forceTcpRelay: false,
      homeDir: '/var/lib/zerotier-one',
      listeningOn: ['198.18.77.1/19993'],
      portMappingEnabled: false,
      primaryPort: 19993,
      secondaryPort: 0,
      softwareUpdate: 'disable',
      softwareUpdateChannel: 'release',
      surfaceAddresses: ['198.18.77.1/19993'],
      tertiaryPort: 0,
    },
  },
  online: true,
  planetWorldId: 1122334455,
  planetWorldTimestamp: 1795666500956,
  publicIdentity:
    'd569b5a474:0:b10305bd4e00d9f1d27a22fbf14d7d0b3eaf93a4b2d922ebb1b94f37fea4f1764b95b8633ed47fa76e516f56c8977782293362bf5e305cfcf7d4932d766e5c5c',
  tcpFallbackActive: false,
  version: '1.14.1',
  versionBuild: 0,
  versionMajor: 1,
  versionMinor: 14,
  versionRev: 1,
};

/** samples-zerotier-one-1.14.1/local-GET-network-id-OK.json */
export const LOCAL_NETWORK_SAMPLE = {
  allowDNS: false,
  allowDefault: false,
  allowGlobal: false,
  allowManaged: true,
  assignedAddresses: ['10.147.17.13/24'],
  bridge: false,
  broadcastEnabled: true,
  dhcp: false,
  dns: { domain: '', servers: [] },
  id: 'd569b5a47421c8b7',
  mac: 'b6:1d:48:c1:00:c1',
  mtu: 2800,
  multicastSubscriptions: [
    { adi: 0, mac: '01:00:5e:00:00:01' },
    { adi: 0, mac: '33:33:00:00:00:01' },
    { adi: 0, mac: '33:33:ff:c1:00:c1' },
  ],
  name: 'test',
  netconfRevision: 1,
  nwid: 'd569b5a47421c8b7',
  portDeviceName: 'ztoeozi3gd',
  portError: 0,
  routes: [{ flags: 0, metric: 0, target: '10.147.17.0/24', via: null }],
  status: 'OK',
  type: 'PRIVATE',
};

/** samples-zerotier-one-1.14.1/local-GET-peer.json, its one peer. */
export const LOCAL_PEER_SAMPLE = {
  address: '867dd449f4',
  isBonded: false,
  latency: 14,
  paths: [
    {
      active: true,
      address: '198.18.77.2/19994',
      expired: false,
      lastReceive: 1795666747602,
      lastSend: 1795666747206,
      localPort: 0,
      localSocket: 94193907148960,
      preferred: true,
      trustedPathId: 0,
    },
  ],
  role: 'LEAF',
  tunneled: false,
  version: '1.14.1',
  versionMajor: 1,
  versionMinor: 14,
  versionRev: 1,
};

/** samples-zerotier-one-1.14.1/local-GET-health.json */
export const LOCAL_HEALTH_SAMPLE = {
  clock: 1795666749346,
  online: true,
  version: '1.14.1',
  versionBuild: 0,
  versionMajor: 1,
  versionMinor: 14,
  versionRev: 1,
};
