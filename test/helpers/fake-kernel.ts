/**
 * Bytes that pass g8boot's kernel check without being a kernel that runs: the headers of a Linux bzImage with an
 * EFI stub (what G8OS kernels are), "MZ" + e_lfanew → "PE\0\0" and the setup header's "HdrS" at 0x202, then a
 * pattern. For tests of serving and caching; boot tests use a real kernel (test-kernel.ts).
 */
export function fakeKernel(size = 300_000, step = 7): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * step) & 0xff;
  bytes.write('MZ', 0, 'latin1');
  bytes.writeUInt32LE(0x80, 0x3c);
  bytes.write('PE\0\0', 0x80, 'latin1');
  bytes.write('HdrS', 0x202, 'latin1');
  return bytes;
}
