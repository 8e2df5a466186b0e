/**
 * Where a member stands on the way from "asked to join" to "reachable", the classification the CLI, the tray
 * and the node monitor share.
 */
import type { Member } from './types.ts';

/**
 * - `waiting`: not authorized; it asked to join (or was deauthorized) and needs a person to authorize it.
 * - `assigning`: authorized, but no address yet (the node re-asks every ~5 s; an address usually arrives within
 *   15-20 s).
 * - `ready`: authorized with at least one address. On a network with RFC4193 or 6PLANE addressing that is as soon
 *   as it is authorized: those addresses are computed, not assigned, and work once the node has its config.
 * Whether it is online is a separate question (`Member.online`): a ready member can be switched off.
 */
export type MemberState = 'waiting' | 'assigning' | 'ready';

export function memberState(member: Pick<Member, 'authorized' | 'ips'>): MemberState {
  if (!member.authorized) return 'waiting';
  return member.ips.length > 0 ? 'ready' : 'assigning';
}

/** Unauthorized members that asked recently: the ones a person is expected to authorize now. */
export function isWaitingForAuthorization(member: Pick<Member, 'authorized' | 'ips' | 'online'>): boolean {
  return memberState(member) === 'waiting' && member.online;
}
