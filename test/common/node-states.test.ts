import { describe, expect, test } from 'vitest';
import { ASKED_RECENTLY_MS, askedRecently, NODE_STATE_WORDS, NODE_STATES, nodeState, STARTING_WINDOW_MS, type NodeFacts } from '../../main/common/node-states.ts';
import type { ProbeState } from '../../main/common/nodes.ts';

const NOW = 1_800_000_000_000;
const probe = (state: ProbeState, at = NOW) => ({ state, checkedAt: at });
const facts = (over: Partial<NodeFacts> = {}): NodeFacts => ({
  authorized: true,
  ips: ['10.147.17.5'],
  online: true,
  lastSeen: NOW - 10_000,
  creationTime: NOW - 3_600_000,
  appearedAt: null,
  addressSince: null,
  thisComputer: false,
  probe: null,
  history: [],
  ...over,
});

describe('one vocabulary for a node', () => {
  test('every state has a label and an explanation', () => {
    for (const state of NODE_STATES) {
      expect(NODE_STATE_WORDS[state].label).toMatch(/\S/);
      expect(NODE_STATE_WORDS[state].explain).toMatch(/\.$/);
    }
  });

  test('the life of a node, in order', () => {
    const joined = facts({ authorized: false, ips: [], probe: probe('pending') });
    expect(nodeState(joined, NOW)).toBe('waiting');
    expect(nodeState(facts({ ips: [], probe: probe('no-address') }), NOW)).toBe('assigning');
    const addressed = facts({ addressSince: NOW - 2000 });
    expect(nodeState(addressed, NOW)).toBe('new');
    expect(nodeState({ ...addressed, probe: probe('timeout') }, NOW)).toBe('starting');
    expect(nodeState({ ...addressed, probe: probe('refused') }, NOW)).toBe('starting');
    expect(nodeState({ ...addressed, probe: probe('ready') }, NOW)).toBe('ready');
    // Redis answered since the address arrived: not answering now is degraded, even inside the window.
    const wasReady = { ...addressed, history: [{ at: NOW - 1000, state: 'ready' as const }] };
    expect(nodeState({ ...wasReady, probe: probe('timeout') }, NOW)).toBe('degraded');
    // Past the window, a silent node is degraded; something answering but not as it should, at once.
    expect(nodeState({ ...addressed, probe: probe('timeout') }, NOW + STARTING_WINDOW_MS)).toBe('degraded');
    expect(nodeState({ ...addressed, probe: probe('auth-required') }, NOW)).toBe('degraded');
    expect(nodeState(facts({ online: false, lastSeen: NOW - 600_000, probe: probe('timeout') }), NOW)).toBe('lost');
    expect(nodeState(facts({ thisComputer: true, probe: null }), NOW)).toBe('this-computer');
  });

  test('waiting: unauthorized and asked recently, even when Central reset lastSeen to 0', () => {
    const base = { authorized: false, ips: [], probe: probe('pending') };
    expect(nodeState(facts({ ...base, online: false, lastSeen: NOW - 600_000 }), NOW)).toBe('lost');
    // lastSeen 0 ("may be reset to 0 at any time"): created a minute ago still asks.
    const reset = facts({ ...base, online: false, lastSeen: 0, creationTime: NOW - 60_000 });
    expect(nodeState(reset, NOW)).toBe('waiting');
    expect(nodeState({ ...reset, creationTime: NOW - ASKED_RECENTLY_MS }, NOW)).toBe('lost');
    // No creation time: the member-list diff between sweeps says when it appeared.
    expect(nodeState(facts({ ...base, online: false, lastSeen: null, creationTime: null, appearedAt: NOW - 30_000 }), NOW)).toBe('waiting');
    expect(askedRecently({ online: false, lastSeen: null, creationTime: null, appearedAt: null }, NOW)).toBe(false);
  });

  test('Redis answering beats a reset lastSeen, not an old one', () => {
    expect(nodeState(facts({ online: false, lastSeen: 0, probe: probe('ready') }), NOW)).toBe('ready');
    expect(nodeState(facts({ online: false, lastSeen: NOW - 600_000, probe: probe('ready') }), NOW)).toBe('lost');
  });
});
