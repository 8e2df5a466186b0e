/**
 * The shape of every method's arguments as they arrive over IPC. The renderer is typed, but main does not trust
 * it: a compromised page could send anything, so each call is checked here before it reaches the service (which
 * then validates the values themselves: ids, URLs, settings).
 */
import * as v from 'valibot';
import type { G8bootMethod } from '../../common/ipc.ts';

const text = v.pipe(v.string(), v.maxLength(4096));
const optionalText = v.optional(text);
const setup = v.variant('kind', [
  v.strictObject({ kind: v.literal('central'), token: text, url: optionalText }),
  v.strictObject({ kind: v.literal('local'), ztHome: optionalText }),
  v.strictObject({ kind: v.literal('demo') }),
]);
const hypervisor = v.picklist(['qemu', 'virtualbox', 'xhyve']);
const firmware = v.optional(v.picklist(['bios', 'uefi']));
const count = v.optional(v.pipe(v.number(), v.integer()));
const none = v.strictTuple([]);

export const METHOD_ARGUMENTS = {
  getState: none,
  testController: v.strictTuple([setup]),
  connect: v.strictTuple([setup]),
  disconnect: none,
  listNetworks: none,
  selectNetwork: v.strictTuple([text]),
  joinThisMachine: none,
  listNodes: none,
  refreshNodes: v.union([none, v.strictTuple([v.optional(v.strictObject({ deep: v.optional(v.boolean()) }))])]),
  authorizeNode: v.strictTuple([text, v.boolean()]),
  authorizeAllWaiting: none,
  renameNode: v.strictTuple([text, text]),
  exportNodes: v.strictTuple([v.pipe(v.array(text), v.maxLength(100_000)), v.picklist(['json', 'csv', 'blueprint'])]),
  trustCertificate: v.strictTuple([text, text]),
  setRedisCredentials: v.strictTuple([
    v.strictObject({
      password: v.optional(
        v.variant('kind', [
          // A JWT is a few KiB; 16 KiB leaves room without inviting megabytes into the keyring.
          v.strictObject({ kind: v.literal('secret'), value: v.pipe(v.string(), v.minLength(1), v.maxLength(16 * 1024)) }),
          v.strictObject({ kind: v.literal('file'), path: text }),
          v.strictObject({ kind: v.literal('none') }),
        ]),
      ),
      allowPlaintext: v.optional(v.boolean()),
    }),
  ]),
  bootLinks: v.strictTuple([text]),
  buildImage: v.strictTuple([
    v.strictObject({ netid: text, bootUrls: v.optional(v.pipe(v.array(text), v.maxLength(16))), kernelUrl: optionalText, kernelArgs: optionalText, kind: v.picklist(['hybrid', 'esp']) }),
  ]),
  listDrives: none,
  burnImage: v.strictTuple([
    v.strictObject({ netid: text, bootUrls: v.optional(v.pipe(v.array(text), v.maxLength(16))), kernelUrl: optionalText, kernelArgs: optionalText, device: text }),
  ]),
  cancelBurn: none,
  listHypervisors: none,
  listVms: none,
  startVm: v.strictTuple([
    v.strictObject({
      hypervisor,
      netid: optionalText,
      bootUrl: optionalText,
      image: optionalText,
      media: v.optional(v.picklist(['cd', 'disk'])),
      firmware,
      memoryMiB: count,
      cpus: count,
      name: optionalText,
    }),
  ]),
  stopVm: v.strictTuple([text]),
  removeVm: v.strictTuple([text]),
  readVmConsole: v.strictTuple([text]),
  watchVmConsole: v.strictTuple([text, v.boolean()]),
  setBootService: v.strictTuple([v.boolean()]),
  getSettings: none,
  updateSettings: v.strictTuple([v.record(v.string(), v.union([v.string(), v.number(), v.boolean()]))]),
  copyText: v.strictTuple([text]),
  openExternal: v.strictTuple([text]),
} satisfies Record<G8bootMethod, v.GenericSchema>;
