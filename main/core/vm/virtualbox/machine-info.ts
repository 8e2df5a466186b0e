/** Reading VBoxManage's output: `--version`, `list vms`, `showvminfo --machinereadable`. */
import type { VmState } from '../types.ts';

export interface VBoxVersion {
  /** "7.0.14"; null when the output has no version line. */
  version: string | null;
  major: number | null;
  /** VirtualBox's warning that its kernel driver is missing, printed before the version; null when there is none. */
  driverProblem: string | null;
}

/**
 * `VBoxManage --version` prints "7.0.14r161095" (or "6.1.50_Ubuntur161033"), preceded on Linux by a multi-line
 * WARNING when vboxdrv is not loaded (exit code 0 all the same).
 */
export function parseVBoxVersion(output: string): VBoxVersion {
  const line = output.split(/\r?\n/).map((l) => l.trim()).reverse().find((l) => /^\d+\.\d+\.\d+/.test(l));
  const version = line ? /^(\d+\.\d+\.\d+)/.exec(line)![1]! : null;
  const driverProblem = /vboxdrv kernel module is not loaded|VirtualBox kernel modules are not loaded/i.test(output)
    ? 'the vboxdrv kernel module is not loaded'
    : /character device \/dev\/vboxdrv does not exist/i.test(output)
      ? 'the /dev/vboxdrv device does not exist (VirtualBox is not completely installed)'
      : null;
  return { version, major: version ? Number(version.split('.')[0]) : null, driverProblem };
}

/** `"name" {uuid}` lines. */
export function parseVmList(output: string): { name: string; uuid: string }[] {
  return [...output.matchAll(/^"(.*)" \{([0-9a-fA-F-]+)\}\s*$/gm)].map((m) => ({ name: m[1]!, uuid: m[2]! }));
}

export interface BridgedIf {
  /** The name exactly as VirtualBox prints it (spaces, colons and parentheses included). */
  name: string;
  /** The host's IPv4 address on it; null when it has none (0.0.0.0). */
  ip: string | null;
}

/** `list bridgedifs`: blocks of "Key:   value" lines, one block per interface, "Name:" first. */
export function parseBridgedIfs(output: string): BridgedIf[] {
  const adapters: BridgedIf[] = [];
  for (const line of output.split(/\r?\n/)) {
    const match = /^(\w+):\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    const [, key, value] = match as unknown as [string, string, string];
    if (key === 'Name') adapters.push({ name: value, ip: null });
    else if (key === 'IPAddress' && adapters.length && value !== '0.0.0.0' && value !== '') adapters.at(-1)!.ip = value;
  }
  return adapters;
}

/** `key="value"` and `key=value` lines (keys may be quoted too); later keys win. */
export function parseMachineReadable(output: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of output.split(/\r?\n/)) {
    const match = /^("(?:[^"\\]|\\.)*"|[^=]+)=(.*)$/.exec(line);
    if (!match) continue;
    const unquote = (s: string) => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s);
    fields.set(unquote(match[1]!), unquote(match[2]!));
  }
  return fields;
}

/** VirtualBox's VMState values (MachineState in its API) in g8boot's words. */
export function stateFromVBox(vmState: string | undefined): VmState {
  switch (vmState) {
    case 'running':
      return 'running';
    case 'paused':
      return 'paused';
    case 'starting':
    case 'restoring':
      return 'starting';
    case 'stopping':
    case 'saving':
      return 'stopping';
    case 'saved':
    case 'aborted-saved':
      return 'saved';
    case 'aborted':
    case 'stuck':
    case 'gurumeditation':
      return 'crashed';
    case 'poweroff':
      return 'stopped';
    default:
      return 'unknown';
  }
}
