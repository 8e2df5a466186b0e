/**
 * When a member counts as online. Central has no reliable `online` flag; ZeroTier's own controller code and
 * ztnet both treat a member as online when it was heard from within the last few minutes (members ask for
 * their network config every minute), so g8boot does the same for every controller.
 */

/** A member heard from within this window (ms) is online. */
export const ONLINE_WINDOW_MS = 5 * 60_000;

/**
 * `clock` is the controller's idea of now (Central sends it with every member) so a skewed local clock does not
 * flip members offline. A lastSeen slightly ahead of `clock` (two servers' clocks) still counts as online.
 */
export function isOnline(lastSeen: number | null, clock: number, windowMs: number = ONLINE_WINDOW_MS): boolean {
  return lastSeen !== null && lastSeen > 0 && clock - lastSeen < windowMs;
}
