/**
 * Never in clear, at the probe: hostile peers that ask for a password record every byte they receive. The
 * password reaches only TLS whose certificate is the trusted one (or first seen), or plain text the person
 * allowed; the deep check (core.ping) follows the same rules on its own connection.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { probeNode, probeRedis, type ProbeOptions } from '../../main/core/nodes/probe.ts';
import { selfSignedCertificate, startFakeCore0, startRecordingPeer, type Certificate, type FakeCore0, type RecordingPeer } from './peers.ts';

const A = { plainNoAuth: '127.77.6.1', tlsNoAuth: '127.77.6.2', core0Tls: '127.77.6.3' };
const SECRET = 'eyJhbGciOiJFUzM4NCJ9.secret-jwt-of-the-org';
const FAST: ProbeOptions = { connectTimeoutMs: 400, timeoutMs: 800 };

let cert: Certificate;
let other: Certificate;
let plainPeer: RecordingPeer;
let tlsPeer: RecordingPeer;
let core0: FakeCore0;

beforeAll(async () => {
  cert = selfSignedCertificate();
  other = selfSignedCertificate();
  [plainPeer, tlsPeer, core0] = await Promise.all([
    startRecordingPeer(A.plainNoAuth),
    startRecordingPeer(A.tlsNoAuth, { tls: cert }),
    startFakeCore0({ address: A.core0Tls, answer: 'PONG 1.2.0', password: SECRET, tls: cert }),
  ]);
});

afterAll(async () => {
  await Promise.all([plainPeer?.close(), tlsPeer?.close(), core0?.close()]);
  cert?.cleanup();
  other?.cleanup();
});

describe('a hostile peer answering -NOAUTH', () => {
  test('on plain TCP it never receives the password: auth-plaintext, and only PING reached it', async () => {
    const result = await probeNode({ authorized: true, ips: [A.plainNoAuth] }, { ...FAST, password: SECRET, deep: true });
    expect(result).toMatchObject({ state: 'auth-plaintext', tls: false });
    expect(result.detail).toContain('asks for a password over an unencrypted connection');
    expect(plainPeer.connections()).toBeGreaterThan(0);
    expect(plainPeer.received()).toContain('PING');
    expect(plainPeer.received()).not.toContain(SECRET);
    expect(plainPeer.received()).not.toContain('AUTH');
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  test('over TLS with a certificate other than the trusted one: cert-changed, and not one byte reached it', async () => {
    const result = await probeNode({ authorized: true, ips: [A.tlsNoAuth], trustedCertificate: other.fingerprint }, { ...FAST, password: SECRET, deep: true });
    expect(result).toMatchObject({ state: 'cert-changed', tls: true, certificate: cert.fingerprint });
    expect(tlsPeer.connections()).toBeGreaterThan(0);
    expect(tlsPeer.received()).toBe('');
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });
});

describe('the deep check (core.ping) uses the same credentials and trust', () => {
  test('first sight: the certificate seen by the probe is required of the deep connection, and the JWT works', async () => {
    const result = await probeRedis(A.core0Tls, { ...FAST, password: SECRET, deep: true, deepTimeoutMs: 1500 });
    expect(result).toMatchObject({ state: 'ready', tls: true, certificate: cert.fingerprint, core0Version: 'PONG 1.2.0' });
  });

  test('a changed certificate: no core.ping job reaches core0', async () => {
    const before = core0.jobs.length;
    const result = await probeRedis(A.core0Tls, { ...FAST, password: SECRET, deep: true, pinnedFingerprint: other.fingerprint });
    expect(result.state).toBe('cert-changed');
    expect(core0.jobs.length).toBe(before);
  });
});
