/**
 * Test VMs: `g8boot vm up|ls|logs|down|rm|hypervisors`. Boots a G8OS node from g8boot's own image on QEMU,
 * VirtualBox or xhyve in one step, shows its state and follows its serial console.
 */
import type { Command } from 'commander';
import { ExitCode } from '../../common/errors.ts';
import { printJson, printTable, say } from '../output.ts';

interface UpOptions {
  hypervisor?: string;
  netid?: string;
  image?: string;
  bootUrl?: string;
  firmware?: string;
  name?: string;
  memory?: string;
  cpus?: string;
  media?: string;
  network?: string;
  disk?: string;
  accel?: string;
  kernel?: string;
  toolchain?: string;
  json?: boolean;
}

interface JsonOption {
  json?: boolean;
}

const loadVm = () => import('../../core/vm/index.ts');

export function registerVmCommands(program: Command): void {
  const vm = program.command('vm').summary('boot and manage test VMs (QEMU, VirtualBox, xhyve)').description(
    'Boot a G8OS test node from a g8boot image on QEMU, VirtualBox or xhyve, show its state and its serial console.\n' +
      "g8boot's VMs live under its data directory (vms/<name>/) and are named g8-<netid prefix>-<n> unless told.",
  );

  vm.command('up')
    .summary('boot a VM from a new image for a network id, or from an image file')
    .option('--netid <id>', 'ZeroTier network id (16 hex digits; 0 = no ZeroTier); with --image: read from the image when g8boot built it')
    .option('--image <file>', 'boot this ISO/USB image (e.g. from `g8boot iso` or the app) instead of building one')
    .option('--hypervisor <name>', 'qemu, virtualbox or xhyve (default: the first one installed)')
    .option('--boot-url <url>', "boot service base URL (default: g8boot's boot service on this machine, port 8088, as the guest sees it)")
    .option('--firmware <kind>', 'bios or uefi (default bios)')
    .option('--name <name>', 'VM name (default g8-<first 6 of netid>-<n>)')
    .option('--memory <MiB>', 'memory in MiB (default 2048)')
    .option('--cpus <n>', 'virtual CPUs (default 2)')
    .option('--media <kind>', 'attach the image as a cd (default), or as a disk (the USB stick case)')
    .option('--network <mode>', 'nat (default), bridged:<interface> or tap:<interface> (QEMU)')
    .option('--disk <GiB>', 'add an empty data disk of this size')
    .option('--accel <name>', 'QEMU accelerator: auto (default: the best available, TCG when it cannot run the guest), kvm, hvf, whpx or tcg')
    .option('--kernel <file>', 'xhyve: the G8OS kernel to boot (default: g8os-kernel in the kernel cache)')
    .option('--toolchain <dir>', 'iPXE toolchain directory (default: the bundled one)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  g8boot vm up --netid 8056c2e21c000001\n' +
        '  g8boot vm up --image g8os-8056c2e21c000001.iso\n' +
        '  g8boot vm up --image g8os-8056c2e21c000001.img --media disk --firmware uefi\n' +
        '  g8boot vm up --hypervisor virtualbox --netid 8056c2e21c000001 --firmware uefi\n' +
        '  g8boot vm up --hypervisor qemu --netid 8056c2e21c000001 --boot-url http://10.0.2.2:8088 --name g8-test',
    )
    .action(async (opts: UpOptions) => {
      const { defaultHost, vmUp } = await loadVm();
      const result = await vmUp(
        {
          hypervisor: opts.hypervisor,
          netid: opts.netid,
          image: opts.image,
          bootUrl: opts.bootUrl,
          firmware: opts.firmware,
          name: opts.name,
          memory: opts.memory,
          cpus: opts.cpus,
          media: opts.media,
          network: opts.network,
          diskGiB: opts.disk,
          accel: opts.accel,
          kernel: opts.kernel,
          toolchainDir: opts.toolchain,
        },
        { host: defaultHost(), notify: say },
      );
      const { record, status, warnings } = result;
      for (const warning of warnings) say(`warning: ${warning}`);
      if (opts.json) {
        printJson({ ...record, state: status.state, pid: status.pid ?? null, warnings });
        return;
      }
      const accel = record.qemu ? ` (${record.qemu.accel})` : '';
      say(`Started ${record.name} on ${record.hypervisor}${accel}: ${record.firmware.toUpperCase()}, ${record.memoryMiB} MiB, ${record.cpus} CPUs, state ${status.state}.`);
      const network = record.netid ? `network ${record.netid}` : 'no ZeroTier network';
      if (opts.image) say(`It boots ${opts.image} as a ${record.media} (${network}${record.bootUrl ? `, boot service ${record.bootUrl}` : ''}).`);
      else say(record.bootUrl ? `It boots iPXE and chains ${record.bootUrl}/g8os.ipxe?netid=${record.netid ?? '0'}` : `It boots the G8OS kernel ${record.xhyve?.kernel ?? ''} directly.`);
      say(`Console: g8boot vm logs ${record.name} -f   Stop: g8boot vm down ${record.name}   Remove: g8boot vm rm ${record.name}`);
    });

  vm.command('ls')
    .alias('list')
    .summary("list g8boot's VMs and their state")
    .option('--json', 'print JSON')
    .action(async (opts: JsonOption) => {
      const { defaultHost, vmList } = await loadVm();
      const vms = await vmList(defaultHost());
      if (opts.json) {
        printJson(vms);
        return;
      }
      if (vms.length === 0) {
        say('No VMs. Start one with `g8boot vm up --netid <id>`.');
        return;
      }
      printTable(
        ['NAME', 'HYPERVISOR', 'STATE', 'NETID', 'FIRMWARE', 'MEMORY', 'CPUS'],
        vms.map((v) => [v.name, v.hypervisor ?? '-', v.state, v.netid ?? '-', v.firmware ?? '-', v.memoryMiB ? `${v.memoryMiB} MiB` : '-', v.cpus ? String(v.cpus) : '-']),
      );
      for (const v of vms.filter((s) => s.detail && s.state !== 'running')) say(`${v.name}: ${v.detail}`);
    });

  vm.command('logs <name>')
    .summary("show a VM's serial console")
    .option('-f, --follow', 'keep printing new output until Ctrl-C')
    .action(async (name: string, opts: { follow?: boolean }) => {
      const { defaultHost, followLog, readLogTail, vmConsoleNote, vmRecord } = await loadVm();
      const host = defaultHost();
      const record = await vmRecord(name, host);
      // On stderr, so the log itself stays what the VM wrote.
      const note = vmConsoleNote(record, host);
      if (note) say(`note: ${note}`);
      if (!opts.follow) {
        process.stdout.write(await readLogTail(record.serialLog, Number.MAX_SAFE_INTEGER));
        return;
      }
      const stop = new AbortController();
      process.once('SIGINT', () => {
        stop.abort();
        process.exitCode = ExitCode.interrupted;
      });
      await followLog(record.serialLog, { signal: stop.signal, onData: (chunk) => process.stdout.write(chunk) });
    });

  vm.command('down <name>')
    .alias('stop')
    .summary('power a VM off (it can be removed with vm rm)')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: JsonOption) => {
      const { defaultHost, vmDown } = await loadVm();
      const status = await vmDown(name, defaultHost());
      if (opts.json) printJson({ name, state: status.state });
      else say(`${name} is ${status.state}.`);
    });

  vm.command('rm <name>')
    .alias('remove')
    .summary('stop a VM and delete it with its image and disks')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: JsonOption) => {
      const { defaultHost, vmRemove } = await loadVm();
      await vmRemove(name, defaultHost());
      if (opts.json) printJson({ name, removed: true });
      else say(`Removed ${name}.`);
    });

  vm.command('hypervisors')
    .summary('show which hypervisors are installed and usable')
    .option('--json', 'print JSON')
    .action(async (opts: JsonOption) => {
      const { defaultHost, detectHypervisors, HYPERVISORS } = await loadVm();
      const reports = await detectHypervisors(defaultHost(), HYPERVISORS);
      const rows = reports.map((r) => ({
        hypervisor: r.hypervisor,
        installed: r.detection !== null,
        binary: r.detection?.binary ?? null,
        version: r.detection?.version ?? null,
        acceleration: r.detection?.acceleration ?? null,
        usable: r.detection !== null && r.detection.problem === null,
        problem: (r.error ?? r.detection?.problem)?.toJSON() ?? null,
        warnings: r.detection?.warnings ?? [],
      }));
      if (opts.json) {
        printJson(rows);
        return;
      }
      printTable(
        ['HYPERVISOR', 'VERSION', 'ACCELERATION', 'USABLE', 'BINARY'],
        rows.map((r) => [r.hypervisor, r.version ?? '-', r.acceleration ? `${r.acceleration.kind}${r.acceleration.available ? '' : ' (unavailable)'}` : '-', r.usable ? 'yes' : 'no', r.binary ?? '-']),
      );
      for (const r of rows) {
        if (r.problem) say(`${r.hypervisor}: ${r.problem.message}${r.problem.hint ? `\n  hint: ${r.problem.hint}` : ''}`);
        for (const w of r.warnings) say(`${r.hypervisor}: ${w}`);
      }
    });
}
