/**
 * manifest.json: where the toolchain came from and what every file in it must hash to. Written by the
 * fetcher, checked by the loader before a single byte reaches a boot image.
 */
import { z } from 'zod';

/** Bump when the layout of the toolchain directory or of this file changes; older ones are re-fetched. */
export const MANIFEST_SCHEMA_VERSION = 1;

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA256 in lower-case hex');
const size = z.number().int().nonnegative();

const packageSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  /** Path of the .deb on the mirror (pool/main/...). */
  filename: z.string().min(1),
  sha256,
  size,
});

const fileSchema = z.object({
  sha256,
  size,
  /** Debian package the file was extracted from. */
  package: z.string().min(1),
  /** Path inside the package. */
  path: z.string().min(1),
});

export const manifestSchema = z.object({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  mirror: z.string().min(1),
  suite: z.string().min(1),
  /** Newest mtime (seconds) of the extracted files: the default timestamp of reproducible boot images. */
  sourceDateEpoch: z.number().int().nonnegative(),
  /** The Packages index the packages were found in (path under dists/<suite>/), as InRelease listed it. */
  index: z.object({ path: z.string().min(1), sha256, size }),
  packages: z.array(packageSchema),
  /** Keyed by the file's name in the toolchain directory (e.g. `ipxe.lkrn`, `licenses/ipxe.copyright`). */
  files: z.record(z.string(), fileSchema),
});

export type ToolchainManifest = z.infer<typeof manifestSchema>;
export type ToolchainPackage = z.infer<typeof packageSchema>;
export type ToolchainFile = z.infer<typeof fileSchema>;

/** Parse manifest.json's text; returns a one-line reason instead of throwing, so callers can name the file. */
export function parseManifest(text: string): { manifest: ToolchainManifest } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: `it is not valid JSON (${(error as Error).message})` };
  }
  const result = manifestSchema.safeParse(json);
  if (result.success) return { manifest: result.data };
  const issue = result.error.issues[0];
  if (issue?.path[0] === 'schemaVersion') {
    return { problem: `it has schema version ${JSON.stringify((json as { schemaVersion?: unknown }).schemaVersion)}, not ${MANIFEST_SCHEMA_VERSION}` };
  }
  return { problem: `it is malformed (${issue ? `${issue.path.join('.') || 'root'}: ${issue.message}` : 'unknown problem'})` };
}

export function serializeManifest(manifest: ToolchainManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
