/**
 * The tray's "Boot service on/off": the core's boot service (what `g8boot serve` runs) started and stopped from
 * the app, with the view the renderer shows and the boot events it pushes.
 */
import { serializeError } from '../../common/errors.ts';
import type { BootEventView, BootLinks, BootServiceView } from '../../common/ipc.ts';
import { parseBootNetworkId, parseListenAddress } from '../../common/validate.ts';
import { defaultKernel, defaultKernelDir } from '../../core/boot/service/kernels.ts';
import { startBootService, type BootService } from '../../core/boot/service/server.ts';
import { loadToolchain } from '../../core/boot/toolchain/load.ts';

export interface BootServiceControl {
  view(): BootServiceView;
  set(on: boolean, listen: string): Promise<BootServiceView>;
  /** Where a VM's NAT guest reaches the service (QEMU user networking, VirtualBox NAT), when it runs. */
  guestUrl(): string | null;
  links(netid: string, listen: string): BootLinks;
  close(): Promise<void>;
}

const RECENT = 50;

export function createBootServiceControl(options: {
  env: NodeJS.ProcessEnv;
  toolchainDir: string | undefined;
  onBoot: (event: BootEventView) => void;
  onChange: () => void;
}): BootServiceControl {
  let service: BootService | null = null;
  let kernel: string | null = null;
  let problem: BootServiceView['problem'] = null;
  let listen = '';
  const recent: BootEventView[] = [];

  const view = (): BootServiceView => ({
    running: service !== null,
    url: service?.url ?? null,
    listen,
    guestUrl: service ? `http://10.0.2.2:${service.port}` : null,
    kernel,
    recent: [...recent],
    problem,
  });

  const start = async (address: string) => {
    const { host, port } = parseListenAddress(address, 'boot service address');
    const kernelDir = defaultKernelDir(options.env);
    const toolchain = await loadToolchain(options.toolchainDir);
    service = await startBootService({ host, port, kernelDir, toolchain, env: options.env });
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
    guestUrl: () => (service ? `http://10.0.2.2:${service.port}` : null),
    links(netid, address) {
      const id = parseBootNetworkId(netid) ?? '0';
      const base = service?.url ?? `http://${address}`;
      const isoUrl = `${base}/g8os.iso?netid=${id}`;
      return {
        ipxeUrl: `${base}/g8os.ipxe?netid=${id}`,
        isoUrl,
        usbUrl: `${base}/usb/${id}`,
        efiUrl: `${base}/efi/${id}`,
        qemuCommand: `curl -fo g8os-${id}.iso '${isoUrl}' && qemu-system-x86_64 -m 2048 -cdrom g8os-${id}.iso -boot d -netdev user,id=n0 -device virtio-net-pci,netdev=n0 -nographic`,
      };
    },
    async close() {
      const stopping = service;
      service = null;
      await stopping?.close(500);
    },
  };
}
