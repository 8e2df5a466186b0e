/** Checking a member change before it is sent, shared by both controllers. */
import { InvalidInputError } from '../../common/errors.ts';
import { quote } from '../../common/validate.ts';
import { ZeroTierApiError } from './http.ts';
import type { Member, MemberUpdate } from './types.ts';
import { MAX_LABEL_LENGTH } from './wire.ts';

/** Returns the update with its fields checked; refuses an empty update and names/descriptions with control characters. */
export function checkMemberUpdate(update: MemberUpdate): MemberUpdate {
  const checked: MemberUpdate = {};
  if (update.authorized !== undefined) {
    if (typeof update.authorized !== 'boolean') {
      throw new InvalidInputError('E_INVALID_UPDATE', `"authorized" must be true or false, not ${quote(String(update.authorized))}.`);
    }
    checked.authorized = update.authorized;
  }
  if (update.name !== undefined) checked.name = checkLabel(update.name, 'name');
  if (update.description !== undefined) checked.description = checkLabel(update.description, 'description');
  if (Object.keys(checked).length === 0) {
    throw new InvalidInputError('E_INVALID_UPDATE', 'The member update changes nothing.', {
      hint: 'Give at least one of authorized, name or description.',
    });
  }
  return checked;
}

function checkLabel(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new InvalidInputError('E_INVALID_UPDATE', `The member ${what} must be text.`);
  if (value.length > MAX_LABEL_LENGTH) {
    throw new InvalidInputError('E_INVALID_UPDATE', `The member ${what} is ${value.length} characters long; the limit is ${MAX_LABEL_LENGTH}.`);
  }
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u.test(value)) {
    throw new InvalidInputError('E_INVALID_UPDATE', `The member ${what} ${quote(value)} contains a line break or control character.`);
  }
  return value;
}

/**
 * The member a controller returned after a change must be the member asked about and show the change: a 2xx alone
 * proves nothing (a proxy, an old controller or a policy can answer success and leave the member as it was, or
 * answer with another member). Returns the member, or throws E_ZT_NOT_APPLIED (exit 1) saying what the controller
 * reports.
 */
export function checkApplied(update: MemberUpdate, member: Member, service: string, asked: { networkId: string; nodeId: string }): Member {
  if (member.nodeId !== asked.nodeId || member.networkId !== asked.networkId) {
    throw new ZeroTierApiError(
      'E_ZT_NOT_APPLIED',
      `${service} answered the change of member ${asked.nodeId} of ${asked.networkId} with member ${member.nodeId} of ${member.networkId}: it is not known whether the change was made.`,
      { hint: `Check the member with \`g8boot zt members ${asked.networkId}\` or in the controller's own interface, then try again.` },
    );
  }
  if (update.authorized !== undefined && member.authorized !== update.authorized) {
    const state = member.authorized ? 'still authorized' : 'not authorized';
    throw new ZeroTierApiError('E_ZT_NOT_APPLIED', `${service} answered, but member ${member.nodeId} of ${member.networkId} is ${state}: the change was not made.`, {
      hint: `Check the member with \`g8boot zt members ${member.networkId}\` or in the controller's own interface, then try again.`,
    });
  }
  return member;
}
