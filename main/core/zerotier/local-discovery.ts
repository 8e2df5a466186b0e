/**
 * Finding this machine's ZeroTier One service the way ZeroTier's own CLI (one.cpp) and tray apps do: the
 * service's home holds `zerotier-one.port` (default 9993) and `authtoken.secret`, readable only by root or
 * administrators; when that token is not readable they fall back to a per-user copy, which the tray apps make by
 * re-running themselves with admin rights. `ZEROTIER_HOME` (or `--zt-home`) replaces the home.
 *
 *   OS       home                                         per-user copy
 *   Linux    /var/lib/zerotier-one                        ~/.zeroTierOneAuthToken
 *   macOS    /Library/Application Support/ZeroTier/One    ~/Library/Application Support/ZeroTier/One/authtoken.secret
 *   Windows  %ProgramData%\ZeroTier\One                   %LOCALAPPDATA%\ZeroTier\One\authtoken.secret
 *   FreeBSD  /var/db/zerotier-one                         ~/.zeroTierOneAuthToken
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';
import { G8bootError, MissingDependencyError } from '../../common/errors.ts';

export const DEFAULT_SERVICE_PORT = 9993;

export interface DiscoveryOptions {
  /** `--zt-home`: wins over ZEROTIER_HOME. */
  ztHome?: string | undefined;
  /** Replaceable for tests of other OS layouts. */
  platform?: NodeJS.Platform | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  userHome?: string | undefined;
  /** The OS's service home when neither ztHome nor ZEROTIER_HOME is set (tests point it at a temp dir). */
  systemHome?: string | undefined;
}

export interface ZeroTierPaths {
  platform: NodeJS.Platform;
  /** The service's home directory. */
  home: string;
  /** Whether the home came from --zt-home / ZEROTIER_HOME. */
  homeOverridden: boolean;
  /** `<home>/authtoken.secret`. */
  serviceToken: string;
  /** The per-user copy ZeroTier's CLI and tray read next. */
  userTokenCopy: string;
  /** `<home>/zerotier-one.port`. */
  portFile: string;
}

/** Where the service should be, for an OS layout. Pure: reads nothing. */
export function zeroTierPaths(options: DiscoveryOptions = {}): ZeroTierPaths {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const userHome = options.userHome ?? homedir();
  const path = platform === 'win32' ? win32 : posix;
  let systemHome: string;
  let userTokenCopy: string;
  if (platform === 'win32') {
    systemHome = path.join(env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData', 'ZeroTier', 'One');
    userTokenCopy = path.join(env.LOCALAPPDATA ?? path.join(userHome, 'AppData', 'Local'), 'ZeroTier', 'One', 'authtoken.secret');
  } else if (platform === 'darwin') {
    systemHome = '/Library/Application Support/ZeroTier/One';
    userTokenCopy = path.join(userHome, 'Library', 'Application Support', 'ZeroTier', 'One', 'authtoken.secret');
  } else {
    systemHome = platform === 'freebsd' ? '/var/db/zerotier-one' : '/var/lib/zerotier-one';
    userTokenCopy = path.join(userHome, '.zeroTierOneAuthToken');
  }
  const override = options.ztHome ?? env.ZEROTIER_HOME;
  const home = override || options.systemHome || systemHome;
  return {
    platform,
    home,
    homeOverridden: Boolean(override),
    serviceToken: path.join(home, 'authtoken.secret'),
    userTokenCopy,
    portFile: path.join(home, 'zerotier-one.port'),
  };
}

/** Where the service listens and where its token came from. Holds no secret: safe to show and serialize. */
export interface LocalServiceLocation {
  platform: NodeJS.Platform;
  home: string;
  port: number;
  url: string;
  /** The file the token was read from. */
  tokenPath: string;
  /** Whether that file is the per-user copy (which goes stale when ZeroTier is reinstalled). */
  tokenIsUserCopy: boolean;
}

/** A located service and its token. Hand the token to the client that needs it; never print this object. */
export interface DiscoveredService {
  location: LocalServiceLocation;
  token: string;
}

/**
 * Read the port and the token. Throws, in words: MissingDependencyError (E_ZT_NOT_INSTALLED) when no token file
 * exists at all, G8bootError E_ZT_TOKEN_UNREADABLE when one exists but cannot be read, naming every file tried
 * and the command that makes a per-user copy.
 */
export async function discoverLocalService(options: DiscoveryOptions = {}): Promise<DiscoveredService> {
  const paths = zeroTierPaths(options);
  const tried: { path: string; problem: string }[] = [];
  for (const path of [paths.serviceToken, paths.userTokenCopy]) {
    const read = await readToken(path);
    if (typeof read === 'string') {
      const port = await readPort(paths.portFile);
      return {
        token: read,
        location: {
          platform: paths.platform,
          home: paths.home,
          port,
          url: `http://127.0.0.1:${port}`,
          tokenPath: path,
          tokenIsUserCopy: path === paths.userTokenCopy,
        },
      };
    }
    tried.push({ path, problem: read.problem });
  }
  const list = tried.map((t) => `${t.path} (${t.problem})`).join(', ');
  if (tried.every((t) => t.problem === 'not found')) {
    if (paths.homeOverridden) {
      throw new G8bootError('E_ZT_NO_TOKEN', `No ZeroTier One token found; tried ${list}.`, {
        hint: `${paths.home} comes from --zt-home or ZEROTIER_HOME: point it at the directory holding the service's authtoken.secret, or unset it.`,
      });
    }
    throw new MissingDependencyError('E_ZT_NOT_INSTALLED', `ZeroTier One does not seem to be installed on this machine: no token file exists (tried ${list}).`, {
      hint: `${installHint(paths.platform)} If it runs with another home directory, set ZEROTIER_HOME or pass --zt-home.`,
    });
  }
  throw new G8bootError('E_ZT_TOKEN_UNREADABLE', `Cannot read the ZeroTier One API token; tried ${list}.`, {
    hint: tokenCopyHint(paths),
  });
}

async function readToken(path: string): Promise<string | { problem: string }> {
  try {
    const token = (await readFile(path, 'utf8')).trim();
    return token === '' ? { problem: 'empty' } : token;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { problem: 'not found' };
    if (code === 'EACCES' || code === 'EPERM') return { problem: 'permission denied' };
    return { problem: `unreadable: ${code ?? 'error'}` };
  }
}

/** The port the service wrote at start-up; the default when the file is missing or unreadable (as zerotier-cli does). */
async function readPort(path: string): Promise<number> {
  try {
    const port = Number((await readFile(path, 'utf8')).trim());
    return Number.isInteger(port) && port > 0 && port < 65536 ? port : DEFAULT_SERVICE_PORT;
  } catch {
    return DEFAULT_SERVICE_PORT;
  }
}

export function installHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'Install ZeroTier One from https://www.zerotier.com/download/ (or `brew install --cask zerotier-one`); it starts by itself.';
    case 'win32':
      return 'Install ZeroTier One from https://www.zerotier.com/download/ (or `winget install ZeroTier.ZeroTierOne`); it starts by itself.';
    default:
      return "Install ZeroTier One with `curl -s https://install.zerotier.com | sudo bash` (or your distribution's zerotier-one package), then `sudo systemctl enable --now zerotier-one`.";
  }
}

export function startHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'Start it with `sudo launchctl load /Library/LaunchDaemons/com.zerotier.one.plist`, or open the ZeroTier app.';
    case 'win32':
      return 'Start it from an administrator prompt with `net start ZeroTierOneService`, or open the ZeroTier app.';
    default:
      return 'Start it with `sudo systemctl start zerotier-one` (or `sudo zerotier-one -d` where there is no systemd).';
  }
}

/** The command that makes the per-user token copy ZeroTier's CLI and tray read, for this OS. */
export function tokenCopyHint(paths: Pick<ZeroTierPaths, 'platform' | 'serviceToken' | 'userTokenCopy'>): string {
  const { platform, serviceToken, userTokenCopy } = paths;
  if (platform === 'win32') {
    const dir = win32.dirname(userTokenCopy);
    return `Make a per-user copy, as ZeroTier's own CLI and tray do. In an administrator PowerShell: New-Item -ItemType Directory -Force '${dir}'; Copy-Item '${serviceToken}' '${userTokenCopy}' (or open the ZeroTier tray app once: it makes this copy).`;
  }
  // umask 077 so the copy is never readable by others, not even for a moment.
  const copy = `(umask 077; sudo cat ${shellQuote(serviceToken)} > ${shellQuote(userTokenCopy)})`;
  if (platform === 'darwin') {
    return `Make a per-user copy, as ZeroTier's own CLI and menu-bar app do: mkdir -p ${shellQuote(posix.dirname(userTokenCopy))} && ${copy} (or open the ZeroTier app once: it makes this copy).`;
  }
  return `Make a per-user copy, as ZeroTier's own CLI and tray do: ${copy}`;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
