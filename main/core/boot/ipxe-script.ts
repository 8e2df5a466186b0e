/**
 * iPXE scripts, rendered from typed, already-validated input.
 *
 * iPXE has no quoting: it splits a line on whitespace, expands `${...}` in every token and treats `||`, `&&`
 * and `;` tokens as separators (src/core/exec.c). So nothing user-supplied is ever interpolated without having
 * gone through main/common/validate.ts first (network ids are hex, URLs and kernel arguments are single
 * tokens without `$`, quotes, control characters or separators). The render functions re-check their
 * inputs with `assertToken` as a second line of defence: a script is never produced from an unchecked string.
 *
 * Stage 1 is embedded in the boot image: bring up a NIC (DHCP on each in turn, a few rounds, saying what it
 * does), then chain stage 2 from the boot service. In inline mode stage 1 chains the G8OS kernel itself.
 * Stage 2 is served by `g8boot serve` (the original design's `g8os.ipxe?netid=` service).
 */
import { isThisComputerOnly, TEST_VM_CONSOLE, type BootUrlReach } from '../../common/boot-url.ts';
import { isNetworkId, type NetworkId } from '../../common/validate.ts';

/** A boot service stage 1 may chain to, with where it works (said on the console). */
export interface ChainTarget {
  /** Boot service base URL (validated by parseBootUrl). */
  url: string;
  reach: BootUrlReach;
}

export interface Stage1Options {
  /** null = boot without ZeroTier (the original services' `0`/`null`). */
  networkId: NetworkId | null;
  /**
   * Boot services to chain stage 2 from, tried in order. Exactly one of bootTargets / kernelUrl. A target a
   * VM on this computer uses asks stage 2 for the serial console (TEST_VM_CONSOLE).
   */
  bootTargets?: readonly ChainTarget[];
  /** Inline mode: the G8OS kernel URL (validated by parseHttpUrl). */
  kernelUrl?: string;
  /**
   * Extra kernel arguments (validated by parseKernelArgs). Inline mode puts them on the kernel's command
   * line; chain mode passes them to the boot service in the stage-2 URL (`&args=`).
   */
  kernelArgs?: readonly string[];
  /** Shown on the console, e.g. "g8boot 0.1.0". */
  generator: string;
}

export interface Stage2Options {
  networkId: NetworkId | null;
  kernelUrl: string;
  /** An initramfs to load with the kernel (stock kernels need one; G8OS kernels embed theirs). */
  initrdUrl?: string | undefined;
  kernelArgs?: readonly string[];
  generator: string;
}

/** How many rounds over all NICs before pausing, and the pause, in seconds. */
const DHCP_ROUNDS = 3;
const RETRY_PAUSE_S = 10;

/** A kernel console as `&console=` may carry it: a device and optional settings, nothing iPXE would interpret. */
export const CONSOLE_SPEC = /^[A-Za-z][A-Za-z0-9]{0,15}(?:,[A-Za-z0-9]{1,16})?$/;

/** The stage-2 URL a stage-1 script fetches for a network id (and extra kernel arguments, if any). */
export function stage2Url(
  bootUrl: string,
  networkId: NetworkId | null,
  kernelArgs: readonly string[] = [],
  options: { console?: string | undefined } = {},
): string {
  const args = kernelArgs.length ? `&args=${encodeURIComponent(kernelArgs.join(' '))}` : '';
  if (options.console !== undefined && !CONSOLE_SPEC.test(options.console)) throw new Error(`ipxe-script: refusing console ${JSON.stringify(options.console)}`);
  const console = options.console ? `&console=${options.console}` : '';
  return `${bootUrl}/g8os.ipxe?netid=${networkId ?? '0'}${args}${console}`;
}

/** The stage-2 URL for a chain target: a VM on this computer also asks for the serial console. */
export function stage2UrlFor(target: ChainTarget, networkId: NetworkId | null, kernelArgs: readonly string[] = []): string {
  return stage2Url(target.url, networkId, kernelArgs, { console: target.reach === 'vm' ? TEST_VM_CONSOLE : undefined });
}

/**
 * Stage 2's console rule: `console=<requested>` is added for a test VM unless the arguments already choose a
 * console (a person's `console=tty0` wins). Returns the arguments to use.
 */
export function withRequestedConsole(kernelArgs: readonly string[], requested: string | undefined): string[] {
  if (!requested || kernelArgs.some((a) => /^console=/i.test(a))) return [...kernelArgs];
  return [...kernelArgs, `console=${requested}`];
}

/** The kernel command line for a network id: `zerotier=<id>` first, then the extra arguments. */
export function kernelCommandLine(networkId: NetworkId | null, kernelArgs: readonly string[] = []): string[] {
  return [...(networkId ? [`zerotier=${networkId}`] : []), ...kernelArgs];
}

/**
 * Bring up the network: DHCP on net0, net1, ... in turn, DHCP_ROUNDS times, then pause and start over.
 * iPXE's `dhcp` already retries with back-off inside one attempt (~15 s); the outer loop covers machines whose
 * cabled NIC is not net0 and switches that are slow to forward (spanning tree).
 */
function networkUpBlock(): string[] {
  return [
    'set g8-round:int32 0',
    ':g8_round',
    'inc g8-round',
    'set g8-nic:int32 0',
    ':g8_nic',
    'isset ${net${g8-nic}/mac} || goto g8_next_round',
    'echo g8boot: DHCP on net${g8-nic} (${net${g8-nic}/mac}), round ${g8-round} of ' + DHCP_ROUNDS + '...',
    'dhcp net${g8-nic} && goto g8_net_up ||',
    'echo g8boot: no DHCP answer on net${g8-nic}',
    'inc g8-nic',
    'goto g8_nic',
    ':g8_next_round',
    `iseq \${g8-round} ${DHCP_ROUNDS} || goto g8_round`,
    `echo g8boot: no network on any interface after ${DHCP_ROUNDS} rounds. Check the cable and the DHCP server.`,
    `echo g8boot: trying again in ${RETRY_PAUSE_S} seconds (Ctrl-B for the iPXE shell)...`,
    `sleep ${RETRY_PAUSE_S}`,
    'set g8-round:int32 0',
    'goto g8_round',
    ':g8_net_up',
    'echo g8boot: net${g8-nic} is up: address ${net${g8-nic}/ip}, gateway ${net${g8-nic}/gateway}',
    ':g8_have_net',
  ];
}

/** The chain step with a readable failure path that retries. */
function chainBlock(what: string, url: string, args: readonly string[], initrdUrl?: string): string[] {
  const https = url.startsWith('https:') || !!initrdUrl?.startsWith('https:');
  return [
    ':g8_chain',
    // HTTPS certificate checks need the right time; `||` keeps going where iPXE lacks the ntp command.
    ...(https ? ['ntp pool.ntp.org ||'] : []),
    ...(initrdUrl
      ? [`echo g8boot: fetching the initramfs from ${initrdUrl}`, `initrd ${initrdUrl} || goto g8_chain_failed`]
      : []),
    `echo g8boot: fetching ${what} from ${url}`,
    ...(args.length ? [`echo g8boot: kernel arguments: ${args.join(' ')}`] : []),
    [`chain --autofree ${url}`, ...args, '|| goto g8_chain_failed'].join(' '),
    ':g8_chain_failed',
    `echo g8boot: could not fetch or boot ${url}`,
    `echo g8boot: retrying in ${RETRY_PAUSE_S} seconds (Ctrl-B for the iPXE shell)...`,
    `sleep ${RETRY_PAUSE_S}`,
    'goto g8_chain',
  ];
}

/** Where a target works, as stage 1 says it on the console (fixed words, nothing user-supplied). */
const REACH_WORDS: Record<BootUrlReach, string> = {
  vm: 'for a VM on this computer',
  lan: 'for LAN machines',
  public: 'public',
  'this-computer': 'this computer only',
};

/**
 * Stage 1's chain step over several boot services: try each in order, saying which one and why it moves on
 * (iPXE prints its own error for a failed `chain` just before), then pause and start over.
 */
function chainTargetsBlock(targets: readonly { url: string; reach: BootUrlReach }[]): string[] {
  if (targets.length === 1) return chainBlock('the boot script', targets[0]!.url, []);
  const n = targets.length;
  return [
    ':g8_chain',
    ...targets.flatMap(({ url, reach }, i) => [
      // Short lines: a BIOS screen (and SeaBIOS's serial mirror of it) is 80 columns wide.
      `echo g8boot: boot URL ${i + 1} of ${n} (${REACH_WORDS[reach]}): ${url}`,
      `chain --autofree ${url} ||`,
      i + 1 < n ? `echo g8boot: boot URL ${i + 1} of ${n} failed (see above); trying the next one` : `echo g8boot: boot URL ${i + 1} of ${n} failed (see above)`,
    ]),
    `echo g8boot: none of the ${n} boot URLs worked. Is the boot service running, and listening where this machine can reach it?`,
    `echo g8boot: trying them again in ${RETRY_PAUSE_S} seconds (Ctrl-B for the iPXE shell)...`,
    `sleep ${RETRY_PAUSE_S}`,
    'goto g8_chain',
  ];
}

function header(generator: string, lines: readonly string[]): string[] {
  return ['#!ipxe', `# Generated by ${generator}.`, ...lines.map((l) => `echo ${l}`)];
}

function describeNetwork(networkId: NetworkId | null): string {
  return networkId ? `ZeroTier network ${networkId}` : 'no ZeroTier network (netid 0)';
}

/** Stage 1, embedded in the image as autoexec.ipxe. */
export function renderStage1(options: Stage1Options): string {
  const { networkId, bootTargets, kernelUrl } = options;
  if ((bootTargets === undefined || bootTargets.length === 0) === (kernelUrl === undefined)) {
    throw new Error('renderStage1: give exactly one of bootTargets (one or more) and kernelUrl');
  }
  assertNetworkId(networkId);
  const args = kernelCommandLine(networkId, options.kernelArgs);
  args.forEach(assertToken);
  const chain = bootTargets?.map((t) => {
    if (t.reach === 'this-computer' || isThisComputerOnly(new URL(t.url).hostname)) throw new Error(`ipxe-script: refusing boot URL ${JSON.stringify(t.url)} that only this computer can reach`);
    return { url: assertToken(stage2UrlFor({ url: assertToken(t.url), reach: t.reach }, networkId, options.kernelArgs)), reach: t.reach };
  });
  const lines = [
    ...header(options.generator, [`g8boot: G8OS boot image for ${describeNetwork(networkId)}`]),
    ...networkUpBlock(),
    ...(chain ? chainTargetsBlock(chain) : chainBlock('the G8OS kernel', assertToken(kernelUrl!), args)),
  ];
  return `${lines.join('\n')}\n`;
}

/** Stage 2, served by the boot service: boots the G8OS kernel with `zerotier=<id>` and the extra arguments. */
export function renderStage2(options: Stage2Options): string {
  assertNetworkId(options.networkId);
  const args = kernelCommandLine(options.networkId, options.kernelArgs);
  args.forEach(assertToken);
  const lines = [
    ...header(options.generator, [`g8boot: booting G8OS for ${describeNetwork(options.networkId)}`]),
    // Stage 1 (or the provider's iPXE) normally brought a NIC up already; only look for one if not.
    'isset ${ip} && echo g8boot: network already up: address ${ip} ||',
    'isset ${ip} && goto g8_have_net ||',
    ...networkUpBlock(),
    ...chainBlock(
      'the G8OS kernel',
      assertToken(options.kernelUrl),
      args,
      options.initrdUrl === undefined ? undefined : assertToken(options.initrdUrl),
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * A script that shows a problem on the console and waits, for iPXE clients that asked for something invalid
 * (a bad network id in the URL): the person at the console sees why instead of a bare HTTP error.
 * The message is reduced to a safe character set since it can echo what the client sent.
 */
export function renderErrorScript(message: string, generator: string): string {
  // iPXE's echo prints quotes literally (it has no quoting); `$`, `{`, `}`, `#` and controls never pass.
  const safe = message.replace(/[^A-Za-z0-9 .,:;_\-/=?()'"<>@+]/g, '?').slice(0, 300);
  const words = safe.split(/\s+/).filter((w) => w && w !== '||' && w !== '&&' && w !== ';' && !w.startsWith('#'));
  return `${[
    '#!ipxe',
    `# Generated by ${generator}.`,
    ':g8_error',
    `echo g8boot: ${words.join(' ')}`,
    'echo g8boot: fix the boot URL (see g8boot serve or the g8boot app) and reboot. Waiting...',
    'sleep 60',
    'goto g8_error',
  ].join('\n')}\n`;
}

const SAFE_TOKEN = /^[\x21-\x7e]+$/;

/** Second line of defence: a value placed as one token must be printable, single, inert. */
function assertToken(value: string): string {
  if (!SAFE_TOKEN.test(value) || /[$"'\\`]/.test(value) || value.startsWith('#') || ['||', '&&', ';'].includes(value)) {
    throw new Error(`ipxe-script: refusing unsafe token ${JSON.stringify(value)}`);
  }
  return value;
}

function assertNetworkId(networkId: NetworkId | null): void {
  if (networkId !== null && !isNetworkId(networkId)) {
    throw new Error(`ipxe-script: refusing network id ${JSON.stringify(networkId)}`);
  }
}
