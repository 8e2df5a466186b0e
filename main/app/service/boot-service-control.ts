/**
 * The tray's "Boot service on/off": the core's boot service (what `g8boot serve` runs) started and stopped from
 * the app, with the view the renderer shows and the boot events it pushes.
 */
import { G8bootError, serializeError } from '../../common/errors.ts';
import type { BootEventView, BootLinks, BootServiceView } from '../../common/ipc.ts';
import { DEFAULT_BOOT_SERVICE_PORT, NAT_GUEST_HOST, urlHost } from '../../common/boot-url.ts';
import { isLoopbackHost, parseBootNetworkId, parseListenAddress } from '../../common/validate.ts';
import { bootLinks } from '../../core/boot/boot-links.ts';
import { defaultBootTargets, serviceImageTargets, thisComputerUrl, type BootHostFacts } from '../../core/boot/boot-targets.ts';
import { defaultKernel, defaultKernelDir } from '../../core/boot/service/kernels.ts';
import { startBootService, type BootService } from '../../core/boot/service/server.ts';
import { loadToolchain } from '../../core/boot/toolchain/load.ts';

export interface BootServiceControl {
  view(): BootServiceView;
  set(on: boolean, listen: string): Promise<BootServiceView>;
  /** Where a VM's NAT guest reaches the service (QEMU user networking, VirtualBox NAT), when it runs. */
  guestUrl(): string | null;
  /** The port the service listens on, or will (the setting's) while it is off: the port its default boot URLs name. */
  port(): number;
  /** The links for a network id, each with where it works (the same list as the service's own page). */
  links(netid: string): BootLinks;
  close(): Promise<void>;
}

const RECENT = 50;

export function createBootServiceControl(options: {
  env: NodeJS.ProcessEnv;
  toolchainDir: string | undefined;
  onBoot: (event: BootEventView) => void;
  onChange: () => void;
  /** The configured listen address (settings), for the defaults while the service is off. */
  listenSetting: () => string;
  /** This computer's network interfaces (injectable for tests). */
  hostFacts?: (() => BootHostFacts) | undefined;
}): BootServiceControl {
  let service: BootService | null = null;
  let kernel: string | null = null;
  let problem: BootServiceView['problem'] = null;
  let listen = '';
  const recent: BootEventView[] = [];

  /** Where the service listens (or will): the running service's address, else the setting. */
  const where = (): { host: string; port: number } => {
    if (service) return { host: service.host, port: service.port };
    try {
      return parseListenAddress(options.listenSetting(), 'boot service address');
    } catch {
      return { host: '127.0.0.1', port: DEFAULT_BOOT_SERVICE_PORT };
    }
  };

  const guestUrl = () => (service ? `http://${NAT_GUEST_HOST}:${service.port}` : null);

  const view = (): BootServiceView => {
    const { host, port } = where();
    return {
      running: service !== null,
      url: service?.url ?? null,
      listen,
      guestUrl: guestUrl(),
      defaultBootUrls: defaultBootTargets({ ...options.hostFacts?.(), port }),
      openToLan: !isLoopbackHost(host),
      kernel,
      recent: [...recent],
      problem,
    };
  };

  const start = async (address: string) => {
    const { host, port } = parseListenAddress(address, 'boot service address');
    const kernelDir = defaultKernelDir(options.env);
    const toolchain = await loadToolchain(options.toolchainDir);
    try {
      service = await startBootService({ host, port, kernelDir, toolchain, env: options.env });
    } catch (error) {
      // The core's hint names `--listen`; in the app the address is a setting. A `g8boot serve` on 8088 is the usual other program.
      if (error instanceof G8bootError && error.code === 'E_LISTEN') {
        throw new G8bootError('E_LISTEN', error.message, {
          hint: (error.cause as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE'
            ? 'Another program listens there (perhaps `g8boot serve` in a terminal): stop it, or change the boot service address in Settings.'
            : 'Check the boot service address in Settings.',
          cause: error,
        });
      }
      throw error;
    }
    kernel = (await defaultKernel(kernelDir))?.name ?? null;
    service.events.on('boot', (event) => {
      const item: BootEventView = { ...event };
      recent.unshift(item);
      recent.length = Math.min(recent.length, RECENT);
      options.onBoot(item);
    });
  };

  return {
    view,
    async set(on, address) {
      listen = address;
      if (on === (service !== null)) return view();
      try {
        if (on) await start(address);
        else {
          const stopping = service;
          service = null;
          await stopping?.close(1000);
        }
        problem = null;
      } catch (error) {
        problem = serializeError(error);
        throw error;
      } finally {
        options.onChange();
      }
      return view();
    },
    guestUrl,
    port: () => where().port,
    links(netid) {
      const networkId = parseBootNetworkId(netid);
      const { host, port } = where();
      // What the service hands this computer (it downloads through loopback, or the address it listens on).
      const downloadBase = thisComputerUrl(host, port);
      const arrivedOn = urlHost(downloadBase);
      const imageTargets = serviceImageTargets({ ...options.hostFacts?.(), arrivedOn, port, listenHost: host });
      return bootLinks({ networkId, downloadBase, imageTargets, publicUrl: null, port });
    },
    async close() {
      const stopping = service;
      service = null;
      await stopping?.close(500);
    },
  };
}
