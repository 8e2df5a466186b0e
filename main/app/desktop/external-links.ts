/**
 * Which links the app opens in the browser: https only, to hosts on this list (ZeroTier's site and Central, the
 * project's documentation). Anything else is refused, because a link a renderer asks to open could come from
 * data g8boot does not control (a node's name, a network's description).
 */
import { InvalidInputError } from '../../common/errors.ts';
import { quote } from '../../common/validate.ts';

export const EXTERNAL_HOSTS: readonly string[] = ['zerotier.com', 'my.zerotier.com', 'www.zerotier.com', 'docs.zerotier.com', 'api.zerotier.com', 'central.zerotier.com', 'github.com'];

/** The normalized URL when it may be opened; throws E_EXTERNAL_REFUSED otherwise. */
export function checkExternalUrl(input: unknown): string {
  const refuse = (why: string) =>
    new InvalidInputError('E_EXTERNAL_REFUSED', `g8boot does not open ${quote(String(input))}: ${why}.`, {
      hint: `Only https links to ${EXTERNAL_HOSTS.join(', ')} are opened from the app.`,
    });
  if (typeof input !== 'string' || input.length > 2048) throw refuse('it is not a link');
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw refuse('it is not a valid URL');
  }
  if (url.protocol !== 'https:') throw refuse(`it uses ${url.protocol.replace(/:$/, '')}, not https`);
  if (url.username || url.password) throw refuse('it carries a user name or password');
  if (url.port !== '') throw refuse('it names a port');
  if (!EXTERNAL_HOSTS.includes(url.hostname)) throw refuse(`${url.hostname} is not on the list`);
  return url.href;
}
