/**
 * manifest.json: where the toolchain came from and what every file in it must hash to. Written by the
 * fetcher, checked by the loader before a single byte reaches a boot image.
 */
// valibot rather than zod: g8boot iso loads this on every run, and valibot costs ~1 ms to load where zod
// costs tens of milliseconds (see bench/iso.bench.ts: the CLI must start as fast as xorriso).
import * as v from 'valibot';

/** Bump when the layout of the toolchain directory or of this file changes; older ones are re-fetched. */
export const MANIFEST_SCHEMA_VERSION = 1;

const sha256 = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'a SHA256 in lower-case hex'));
const size = v.pipe(v.number(), v.integer(), v.minValue(0));
const text = v.pipe(v.string(), v.minLength(1));

const packageSchema = v.object({
  name: text,
  version: text,
  /** Path of the .deb on the mirror (pool/main/...). */
  filename: text,
  sha256,
  size,
});

const fileSchema = v.object({
  sha256,
  size,
  /** Debian package the file was extracted from. */
  package: text,
  /** Path inside the package. */
  path: text,
});

export const manifestSchema = v.object({
  schemaVersion: v.literal(MANIFEST_SCHEMA_VERSION),
  mirror: text,
  suite: text,
  /** Newest mtime (seconds) of the extracted files: the default timestamp of reproducible boot images. */
  sourceDateEpoch: size,
  /** The Packages index the packages were found in (path under dists/<suite>/), as InRelease listed it. */
  index: v.object({ path: text, sha256, size }),
  packages: v.array(packageSchema),
  /** Keyed by the file's name in the toolchain directory (e.g. `ipxe.lkrn`, `licenses/ipxe.copyright`). */
  files: v.record(v.string(), fileSchema),
});

export type ToolchainManifest = v.InferOutput<typeof manifestSchema>;
export type ToolchainPackage = v.InferOutput<typeof packageSchema>;
export type ToolchainFile = v.InferOutput<typeof fileSchema>;

/** Parse manifest.json's text; returns a one-line reason instead of throwing, so callers can name the file. */
export function parseManifest(text: string): { manifest: ToolchainManifest } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problem: `it is not valid JSON (${(error as Error).message})` };
  }
  const result = v.safeParse(manifestSchema, json);
  if (result.success) return { manifest: result.output };
  const issue = result.issues[0];
  const path = v.getDotPath(issue) ?? '';
  if (path === 'schemaVersion') {
    return { problem: `it has schema version ${JSON.stringify((json as { schemaVersion?: unknown }).schemaVersion)}, not ${MANIFEST_SCHEMA_VERSION}` };
  }
  return { problem: `it is malformed (${path || 'root'}: ${issue.message})` };
}

export function serializeManifest(manifest: ToolchainManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
