/**
 * Which controller g8boot talks to, from CLI flags and the environment (later also the app's settings).
 * Names follow ZeroTier's own Terraform provider: ZEROTIER_CENTRAL_URL (base, including /api/v1) and
 * ZEROTIER_CENTRAL_TOKEN. Tokens are taken from the environment or a file, never from the command line, where
 * other users of the machine can read them in the process list.
 */
import { readFile } from 'node:fs/promises';
import { G8bootError, InvalidInputError } from '../../common/errors.ts';
import { quote } from '../../common/validate.ts';
import { CENTRAL_DEFAULT_URL, CENTRAL_TOKEN_HINT, checkCentralToken, parseCentralUrl } from './central.ts';
import type { HttpTuning } from './http.ts';
import type { DiscoveryOptions } from './local-discovery.ts';
import type { ControllerKind } from './types.ts';

export interface ControllerFlags {
  /** --controller central|local. Default: central when a Central token is configured, else local. */
  controller?: string | undefined;
  /** --central-url: wins over ZEROTIER_CENTRAL_URL. */
  centralUrl?: string | undefined;
  /** --central-token-file: a file holding the token; wins over ZEROTIER_CENTRAL_TOKEN. */
  centralTokenFile?: string | undefined;
  /** --zt-home: the local service's home; wins over ZEROTIER_HOME. */
  ztHome?: string | undefined;
}

export interface CentralConfig {
  kind: 'central';
  baseUrl: string;
  /** Not enumerable when made by resolveControllerConfig, so printing or serializing the config leaves it out. */
  token: string;
  requestsPerSecond?: number | undefined;
  http?: HttpTuning | undefined;
}

export interface LocalConfig {
  kind: 'local';
  discovery: DiscoveryOptions;
  /**
   * Why local: 'asked' (--controller local, or the app's setup) or 'default' (no Central token is configured, so
   * this computer's controller is the only one left; when it has no ZeroTier either, the error names both ways).
   */
  reason?: 'asked' | 'default' | undefined;
  http?: HttpTuning | undefined;
  memberConcurrency?: number | undefined;
}

export type ControllerConfig = CentralConfig | LocalConfig;

export function parseControllerKind(input: string): ControllerKind {
  const value = input.trim().toLowerCase();
  if (value === 'central' || value === 'local') return value;
  throw new InvalidInputError('E_INVALID_CONTROLLER', `Unknown controller ${quote(input)}.`, {
    hint: 'Use --controller central (ZeroTier Central) or --controller local (the controller in this machine\'s zerotier-one).',
  });
}

export async function resolveControllerConfig(flags: ControllerFlags = {}, env: NodeJS.ProcessEnv = process.env): Promise<ControllerConfig> {
  const kind = flags.controller === undefined ? undefined : parseControllerKind(flags.controller);
  if (kind === 'local') return { kind, discovery: { ztHome: flags.ztHome, env }, reason: 'asked' };
  const token = await centralToken(flags, env);
  if (token === undefined) {
    if (kind === undefined) return { kind: 'local', discovery: { ztHome: flags.ztHome, env }, reason: 'default' };
    throw new InvalidInputError('E_ZT_NO_CENTRAL_TOKEN', 'No ZeroTier Central API token is configured.', {
      hint: `${CENTRAL_TOKEN_HINT} For a self-hosted controller on this machine, use --controller local.`,
    });
  }
  const config: CentralConfig = {
    kind: 'central',
    baseUrl: parseCentralUrl(flags.centralUrl ?? (env.ZEROTIER_CENTRAL_URL || CENTRAL_DEFAULT_URL)),
    token: '',
  };
  Object.defineProperty(config, 'token', { value: token, enumerable: false });
  return config;
}

async function centralToken(flags: ControllerFlags, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (flags.centralTokenFile !== undefined) {
    const path = flags.centralTokenFile;
    let content: string;
    try {
      content = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new G8bootError('E_ZT_TOKEN_FILE', `Cannot read the ZeroTier Central token file ${quote(path)} (${code}).`, {
        hint: 'Give the path of a file that holds only the API token.',
      });
    }
    return checkCentralToken(content, `the file ${quote(path)}`);
  }
  const fromEnv = env.ZEROTIER_CENTRAL_TOKEN;
  return fromEnv ? checkCentralToken(fromEnv, 'ZEROTIER_CENTRAL_TOKEN') : undefined;
}
