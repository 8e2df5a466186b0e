import { Option } from 'commander';

/**
 * `--boot-url`, as every command that builds a boot image takes it (`iso`, `burn`): repeatable, the URLs tried in
 * order, and not together with --kernel (inline mode). `defaultDescription` says what an image without one tries.
 */
export function bootUrlOption(defaultDescription: string): Option {
  return new Option('--boot-url <url>', 'boot service base URL; stage 1 chains <url>/g8os.ipxe?netid=<id> (repeat to try several in order)')
    .argParser((value: string, previous: string[]) => [...previous, value])
    .default([], defaultDescription)
    .conflicts('kernel');
}
