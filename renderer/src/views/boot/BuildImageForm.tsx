/**
 * Build a boot image: the network id, and either a boot URL iPXE chains to or a kernel it boots directly.
 * Main asks where to save, then builds; `build-progress` events drive the progress bar.
 */
import { useEffect, useState } from 'react';
import type { BuildImageRequest, BuildImageResult } from '../../../../main/common/ipc.ts';
import { parseHttpUrl, parseNetworkId } from '../../../../main/common/validate.ts';
import { ErrorNotice } from '../../components/ErrorNotice.tsx';
import { useCall } from '../../components/useCall.ts';
import { g8boot } from '../../data/bridge.ts';
import { errorText, type ErrorText } from '../../data/error-text.ts';
import { bytes } from '../../data/format.ts';

interface BuildImageFormProps {
  netid: string;
  onNetidChange: (netid: string) => void;
  defaultBootUrl: string;
}

type Source = 'url' | 'kernel';

/** The request, or what is wrong with the form (checked here first, so mistakes show before the save dialog). */
function toRequest(netid: string, source: Source, bootUrl: string, kernelUrl: string, kernelArgs: string, kind: BuildImageRequest['kind']): BuildImageRequest | ErrorText {
  try {
    const id = parseNetworkId(netid.trim());
    if (source === 'url') return { netid: id, bootUrl: parseHttpUrl(bootUrl.trim(), 'boot URL'), kind };
    return { netid: id, kernelUrl: parseHttpUrl(kernelUrl.trim(), 'kernel URL'), kernelArgs: kernelArgs.trim() || undefined, kind };
  } catch (error) {
    return errorText(error);
  }
}

export function BuildImageForm({ netid, onNetidChange, defaultBootUrl }: BuildImageFormProps) {
  const [source, setSource] = useState<Source>('url');
  const [bootUrl, setBootUrl] = useState(defaultBootUrl);
  const [kernelUrl, setKernelUrl] = useState('');
  const [kernelArgs, setKernelArgs] = useState('');
  const [kind, setKind] = useState<BuildImageRequest['kind']>('hybrid');
  const [invalid, setInvalid] = useState<ErrorText | null>(null);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [result, setResult] = useState<BuildImageResult | 'cancelled' | null>(null);
  const build = useCall((request: BuildImageRequest) => g8boot().buildImage(request));

  useEffect(() => g8boot().on('build-progress', setProgress), []);
  // The boot service may come up after the form was shown: offer its URL unless the person typed another.
  useEffect(() => setBootUrl((current) => current || defaultBootUrl), [defaultBootUrl]);

  const submit = async () => {
    const request = toRequest(netid, source, bootUrl, kernelUrl, kernelArgs, kind);
    if (!('netid' in request)) {
      setInvalid(request);
      return;
    }
    setInvalid(null);
    setResult(null);
    setProgress(null);
    const built = await build.run(request);
    if (built === null) setResult('cancelled');
    else if (built) setResult(built);
  };

  return (
    <form
      className="build-form"
      aria-labelledby="build-title"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2 id="build-title">Build a boot image</h2>
      <label className="field">
        <span>ZeroTier network id</span>
        <input value={netid} onChange={(event) => onNetidChange(event.target.value)} className="mono" spellCheck={false} maxLength={16} placeholder="16 hex digits" />
      </label>
      <fieldset className="choice-row">
        <legend>What iPXE boots</legend>
        <label>
          <input type="radio" name="source" checked={source === 'url'} onChange={() => setSource('url')} /> Chain to a boot URL (the boot service)
        </label>
        <label>
          <input type="radio" name="source" checked={source === 'kernel'} onChange={() => setSource('kernel')} /> A kernel, directly
        </label>
      </fieldset>
      {source === 'url' ? (
        <label className="field">
          <span>Boot URL</span>
          <input type="url" value={bootUrl} onChange={(event) => setBootUrl(event.target.value)} placeholder="http://boot.example.com:8088" spellCheck={false} />
        </label>
      ) : (
        <>
          <label className="field">
            <span>Kernel URL</span>
            <input type="url" value={kernelUrl} onChange={(event) => setKernelUrl(event.target.value)} placeholder="https://…/g8os.efi" spellCheck={false} />
          </label>
          <label className="field">
            <span>Extra kernel arguments (optional)</span>
            <input value={kernelArgs} onChange={(event) => setKernelArgs(event.target.value)} placeholder="development console=ttyS0,115200n8" spellCheck={false} />
          </label>
        </>
      )}
      <fieldset className="choice-row">
        <legend>Image</legend>
        <label>
          <input type="radio" name="kind" checked={kind === 'hybrid'} onChange={() => setKind('hybrid')} /> ISO that also works on a USB stick
        </label>
        <label>
          <input type="radio" name="kind" checked={kind === 'esp'} onChange={() => setKind('esp')} /> EFI System Partition only
        </label>
      </fieldset>
      {invalid && <ErrorNotice error={invalid} />}
      {build.error && <ErrorNotice error={build.error} />}
      <div className="button-row">
        <button type="submit" className="primary" disabled={build.busy}>
          {build.busy ? 'Building…' : 'Build and save…'}
        </button>
        {build.busy && progress && (
          <label className="inline-field">
            <span className="visually-hidden">Build progress</span>
            <progress max={progress.total} value={progress.done} />
            <span>{Math.round((100 * progress.done) / Math.max(1, progress.total))} %</span>
          </label>
        )}
      </div>
      {result === 'cancelled' && <p role="status">Cancelled: nothing was saved.</p>}
      {result && result !== 'cancelled' && (
        <div className="notice notice-ok" role="status">
          <p className="notice-title">
            Saved <span className="mono">{result.path}</span> ({bytes(result.bytes)})
          </p>
          <p className="mono small-text">sha256 {result.sha256}</p>
        </div>
      )}
    </form>
  );
}
