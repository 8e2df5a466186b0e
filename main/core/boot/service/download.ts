/**
 * Resumable HTTP download into a `.part` file: when one is already there, ask for the rest with a Range
 * request; a server that answers 200 instead of 206 sends everything again and the file starts over.
 */
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { interceptors, request, type Dispatcher } from 'undici';
import { proxyAwareDispatcher } from '../../http-proxy.ts';
import { G8bootError } from '../../../common/errors.ts';
import { parseHttpUrl } from '../../../common/validate.ts';

/**
 * Release pages and mirrors often answer with a redirect to the real file. Through HTTPS_PROXY/HTTP_PROXY unless
 * NO_PROXY names the host (or it is on this machine); made on first use, so the environment of the time counts.
 */
let shared: Dispatcher | undefined;
const dispatcher = (): Dispatcher =>
  (shared ??= proxyAwareDispatcher({ headersTimeout: 30_000, bodyTimeout: 60_000 }).dispatcher.compose(interceptors.redirect({ maxRedirections: 5 })));

/** Returns the byte offset the download resumed from (0 for a fresh one). */
export async function downloadWithResume(
  source: string,
  partPath: string,
  onProgress?: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<number> {
  const url = parseHttpUrl(source, 'kernel URL');
  const have = (await stat(partPath).catch(() => null))?.size ?? 0;
  let response;
  try {
    response = await request(url, { method: 'GET', headers: have > 0 ? { range: `bytes=${have}-` } : {}, signal, dispatcher: dispatcher() });
  } catch (error) {
    throw new G8bootError('E_DOWNLOAD_FAILED', `Could not download ${url}: ${(error as Error).message}.`, {
      hint: 'Check the URL and the network, then run the same command again: it resumes where it stopped.',
      cause: error,
    });
  }
  const { statusCode, headers, body } = response;
  if (statusCode === 416 && have > 0) {
    // Range not satisfiable: the .part file is already complete.
    await body.dump();
    return have;
  }
  if (statusCode !== 200 && statusCode !== 206) {
    await body.dump();
    throw new G8bootError('E_DOWNLOAD_FAILED', `Downloading ${url} failed: HTTP ${statusCode}.`, { hint: 'Check the URL.' });
  }
  const resumed = statusCode === 206 ? have : 0;
  const length = Number(headers['content-length'] ?? 0);
  const total = length ? resumed + length : 0;
  let done = resumed;
  await pipeline(
    body,
    new Transform({
      transform(chunk: Buffer, _enc, next) {
        done += chunk.length;
        onProgress?.(done, total);
        next(null, chunk);
      },
    }),
    createWriteStream(partPath, { flags: resumed ? 'a' : 'w' }),
    { signal },
  ).catch((error: unknown) => {
    throw new G8bootError('E_DOWNLOAD_FAILED', `The download of ${url} stopped at ${done} bytes: ${(error as Error).message}.`, {
      hint: 'Run the same command again: it resumes where it stopped.',
      cause: error,
    });
  });
  if (total && done !== total) {
    throw new G8bootError('E_DOWNLOAD_FAILED', `The download of ${url} ended at ${done} of ${total} bytes.`, {
      hint: 'Run the same command again: it resumes where it stopped.',
    });
  }
  return resumed;
}
