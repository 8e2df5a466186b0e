/**
 * The links the boot service offers for a network id, each labelled with where it works: the same list on
 * the service's own page (GET /) and in the app's Boot URLs panel. A link only this computer can use is
 * labelled so; the bare-metal provider's iPXE URL is offered only when the service has a public URL.
 */
import { bootTarget, reachOf, type BootLink, type BootLinkSet, type BootTarget } from '../../common/boot-url.ts';
import type { NetworkId } from '../../common/validate.ts';
import { imageFileName } from './boot-media.ts';
import { stage2UrlFor } from './ipxe-script.ts';

export interface BootLinksInput {
  networkId: NetworkId | null;
  /** Where this computer downloads from the service (loopback is fine: these downloads happen here). */
  downloadBase: string;
  /** Where the images served for this request chain to, in order (the service's imageTargetsFor). */
  imageTargets: readonly BootTarget[];
  /** --public-url, if any. */
  publicUrl: string | null;
  /** The service's port (for the hint). */
  port: number;
}

/** Where an image chains to, in words: "a VM on this computer (http://10.0.2.2:8088), then …". */
export function describeImageTargets(targets: readonly BootTarget[]): string {
  return targets.map((t) => `${t.where} (${t.url})`).join(', then ');
}

export function bootLinks(input: BootLinksInput): BootLinkSet {
  const id = input.networkId ?? '0';
  const boots = `The image boots ${describeImageTargets(input.imageTargets)}.`;
  const downloadPlace = reachOf(input.downloadBase);
  const downloadWhere = downloadPlace.reach === 'this-computer' ? 'this computer (a download link)' : downloadPlace.where;
  const links: BootLink[] = [
    { key: 'iso', label: 'ISO image', value: `${input.downloadBase}/iso/${id}`, where: downloadWhere, help: `A hybrid ISO for virtual CD drives and IPMI virtual media. ${boots}` },
    { key: 'usb', label: 'USB stick image', value: `${input.downloadBase}/usb/${id}`, where: downloadWhere, help: `The same bytes as the ISO, named .img: write it to a USB stick. ${boots}` },
    { key: 'efi', label: 'EFI System Partition image', value: `${input.downloadBase}/efi/${id}`, where: downloadWhere, help: `ipxe.efi carrying the script, for UEFI HTTP boot or a FAT stick. ${boots}` },
  ];
  for (const target of input.imageTargets) {
    const key = target.reach === 'vm' ? 'ipxe-vm' : target.reach === 'lan' ? 'ipxe-lan' : 'ipxe-public';
    if (links.some((l) => l.key === key)) continue;
    const help =
      key === 'ipxe-public'
        ? "Paste into a bare-metal provider's custom iPXE URL field (Equinix Metal / packet.net, …)."
        : key === 'ipxe-vm'
          ? 'For an iPXE already running in a VM on this computer (its NIC ROM): chain this URL. Adds the serial console (console=ttyS0,115200) for test VMs.'
          : "For LAN machines whose iPXE fetches a URL (a PXE server's chain step).";
    links.push({ key, label: key === 'ipxe-public' ? 'iPXE script URL (bare-metal providers)' : 'iPXE script URL', value: stage2UrlFor(target, input.networkId), where: target.where, help });
  }
  if (input.publicUrl && !links.some((l) => l.key === 'ipxe-public')) {
    const target = bootTarget(input.publicUrl);
    links.push({ key: 'ipxe-public', label: 'iPXE script URL (bare-metal providers)', value: stage2UrlFor(target, input.networkId), where: target.where, help: "Paste into a bare-metal provider's custom iPXE URL field." });
  }
  const iso = imageFileName(input.networkId, 'iso');
  links.push({
    key: 'qemu',
    label: 'QEMU command',
    value: `curl -fo ${iso} '${input.downloadBase}/iso/${id}' && qemu-system-x86_64 -m 2048 -cdrom ${iso} -boot d -netdev user,id=n0 -device virtio-net-pci,netdev=n0 -nographic`,
    where: 'this computer',
    help: 'Downloads the ISO and boots it in QEMU here; the VM reaches the service at 10.0.2.2.',
  });
  const notes: string[] = [];
  if (!input.publicUrl) {
    notes.push(
      `No bare-metal provider link: they need a public URL. Run the service with one (g8boot serve --listen 0.0.0.0:${input.port} --public-url https://<your host>) or build an image with a kernel URL (inline mode).`,
    );
  }
  if (!input.imageTargets.some((t) => t.reach === 'lan') && !input.publicUrl) {
    notes.push(`No LAN link: the boot service listens on this computer only. Open it to your LAN (listen on 0.0.0.0:${input.port}) for LAN machines.`);
  }
  return { links, notes };
}
